//! A mail server for tests, on a port of its own: it speaks just enough SMTP for lettre
//! (no TLS, so the app reaches it as a relay on this machine), accepts every message and
//! keeps it for the test to read.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// Headers and body, with quoted-printable soft line breaks undone.
    pub text: String,
}

pub struct SmtpSink {
    address: SocketAddr,
    received: Arc<Mutex<Vec<Mail>>>,
    task: JoinHandle<()>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("sink binds");
        let address = listener.local_addr().expect("sink address");
        let received = Arc::new(Mutex::new(Vec::new()));
        let kept = received.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, kept.clone()));
            }
        });
        SmtpSink {
            address,
            received,
            task,
        }
    }

    /// For `KEYWARD_SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.address)
    }

    pub fn received(&self) -> Vec<Mail> {
        self.received.lock().expect("sink lock").clone()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// An SMTP URL where nothing listens: the port was free a moment ago.
pub async fn unanswered_smtp_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let address = listener.local_addr().expect("address");
    drop(listener);
    format!("smtp://{address}")
}

async fn serve(stream: TcpStream, received: Arc<Mutex<Vec<Mail>>>) {
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).lines();
    let mut from = String::new();
    let mut to = Vec::new();
    if writer.write_all(b"220 sink ESMTP\r\n").await.is_err() {
        return;
    }
    while let Ok(Some(line)) = lines.next_line().await {
        let command = line.to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
            b"250 sink\r\n"
        } else if command.starts_with("MAIL FROM:") {
            from = address_in(&line);
            b"250 OK\r\n"
        } else if command.starts_with("RCPT TO:") {
            to.push(address_in(&line));
            b"250 OK\r\n"
        } else if command == "DATA" {
            if writer.write_all(b"354 go ahead\r\n").await.is_err() {
                return;
            }
            let mut text = String::new();
            while let Ok(Some(data)) = lines.next_line().await {
                if data == "." {
                    break;
                }
                text.push_str(data.strip_prefix('.').unwrap_or(&data));
                text.push('\n');
            }
            received.lock().expect("sink lock").push(Mail {
                from: std::mem::take(&mut from),
                to: std::mem::take(&mut to),
                text: text.replace("=\n", ""),
            });
            b"250 OK queued\r\n"
        } else if command == "QUIT" {
            let _ = writer.write_all(b"221 bye\r\n").await;
            return;
        } else if command == "RSET" || command == "NOOP" {
            b"250 OK\r\n"
        } else {
            b"502 not implemented\r\n"
        };
        if writer.write_all(reply).await.is_err() {
            return;
        }
    }
}

/// `MAIL FROM:<a@b>` → `a@b`.
fn address_in(line: &str) -> String {
    line.split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(address, _)| address.to_owned())
        .unwrap_or_default()
}
