//! Makes each organization's audit log a hash chain (and the events without an
//! organization a system chain): every new event stores its position and an HMAC, under
//! a key derived from the pepper, over its predecessor's HMAC and its own canonical
//! content. One head row per chain holds the latest position and HMAC; writers take it
//! with an update, which serializes them per chain. The events written before this
//! migration form each chain's genesis: the server seals them (an HMAC over all of them,
//! kept in the head) when it starts, since the key is not the migration's to know.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000004_create_audit_events::AuditEvents;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Chain {
    ChainSeq,
    ChainMac,
}

#[derive(DeriveIden)]
enum AuditChainHeads {
    Table,
    Chain,
    GenesisEvents,
    GenesisMac,
    Seq,
    Mac,
    SealedAt,
}

const BY_POSITION: &str = "ux_audit_events_chain_position";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            big_integer_null(Chain::ChainSeq),
            text_null(Chain::ChainMac),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(AuditEvents::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name(BY_POSITION)
                    .table(AuditEvents::Table)
                    .col(AuditEvents::OrgId)
                    .col(Chain::ChainSeq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditChainHeads::Table)
                    .col(
                        text(AuditChainHeads::Chain)
                            .primary_key()
                            .check(Expr::cust("length(chain) BETWEEN 1 AND 64")),
                    )
                    .col(big_integer(AuditChainHeads::GenesisEvents))
                    .col(
                        text(AuditChainHeads::GenesisMac)
                            .check(Expr::cust("length(genesis_mac) = 64")),
                    )
                    .col(big_integer(AuditChainHeads::Seq))
                    .col(text(AuditChainHeads::Mac).check(Expr::cust("length(mac) = 64")))
                    .col(timestamp_with_time_zone_null(AuditChainHeads::SealedAt))
                    .check(Expr::cust("seq >= 0 AND genesis_events >= 0"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditChainHeads::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(BY_POSITION)
                    .table(AuditEvents::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Chain::ChainMac, Chain::ChainSeq] {
            manager
                .alter_table(
                    Table::alter()
                        .table(AuditEvents::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
