//! The built bundle as a browser meets it: pages name addresses that change with the
//! files' content, those addresses may be kept for a year, and the compressed copies the
//! build made are sent to browsers that accept them.

use std::path::{Path, PathBuf};

use crate::helpers::{TestApp, spawn_app_with};

const JS: &str = "export function hydrate() {}";
const WASM: &[u8] = b"\0asm\x01\0\0\0";
const CSS: &str = "body{margin:0}";

struct Site(PathBuf);

impl Site {
    fn built() -> Self {
        let root = std::env::temp_dir().join(format!("kw-site-{}", uuid::Uuid::new_v4().simple()));
        let pkg = root.join("pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::write(pkg.join("keyward.js"), JS).unwrap();
        std::fs::write(pkg.join("keyward.wasm"), WASM).unwrap();
        std::fs::write(pkg.join("keyward.css"), CSS).unwrap();
        // Stand-ins for what `--precompress` writes: recognisable, not real encodings.
        std::fs::write(pkg.join("keyward.wasm.br"), "brotli bytes").unwrap();
        std::fs::write(pkg.join("keyward.wasm.gz"), "gzip bytes").unwrap();
        Self(root)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn serving(site: &Site) -> TestApp {
    spawn_app_with(&[("LEPTOS_SITE_ROOT", &site.path().display().to_string())]).await
}

/// The `/pkg/...` address in the page that ends with `suffix`.
fn address_in(page: &str, suffix: &str) -> String {
    page.split('"')
        .find(|part| part.starts_with("/pkg/") && part.ends_with(suffix))
        .unwrap_or_else(|| panic!("no /pkg/…{suffix} in the page:\n{page}"))
        .to_owned()
}

async fn login_page(app: &TestApp) -> String {
    let response = app.get("/login").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.text().await.unwrap()
}

#[tokio::test]
async fn pages_name_versioned_bundle_addresses_that_browsers_keep_for_a_year() {
    let site = Site::built();
    let app = serving(&site).await;
    let page = login_page(&app).await;

    let js = address_in(&page, "/keyward.js");
    let wasm = address_in(&page, "/keyward.wasm");
    let css = address_in(&page, "/keyward.css");
    assert_eq!(
        js.rsplit_once('/').unwrap().0,
        wasm.rsplit_once('/').unwrap().0
    );
    for (address, body) in [(&js, JS.as_bytes()), (&wasm, WASM), (&css, CSS.as_bytes())] {
        assert_ne!(address.matches('/').count(), 2, "{address} has no version");
        let response = app.get(address).await;
        assert_eq!(response.status(), 200, "{address}");
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{address}"
        );
        assert!(response.headers().get("set-cookie").is_none());
        assert_eq!(response.bytes().await.unwrap().as_ref(), body, "{address}");
    }
    assert_eq!(
        app.get(&wasm).await.headers()["content-type"],
        "application/wasm"
    );
}

#[tokio::test]
async fn another_version_is_not_found_and_the_plain_names_are_revalidated() {
    let site = Site::built();
    let app = serving(&site).await;
    let page = login_page(&app).await;
    let wasm = address_in(&page, "/keyward.wasm");
    let stale = wasm.replace(wasm.split('/').nth(2).unwrap(), "0123456789abcdef");

    assert_eq!(app.get(&stale).await.status(), 404);
    let css = address_in(&page, "/keyward.css");
    let wrong_file = css.replace("keyward.css", "keyward.js");
    assert_eq!(app.get(&wrong_file).await.status(), 404);
    let plain = app.get("/pkg/keyward.wasm").await;
    assert_eq!(plain.status(), 200);
    assert_eq!(plain.headers()["cache-control"], "no-cache");
}

#[tokio::test]
async fn browsers_that_accept_brotli_or_gzip_get_the_compressed_copy() {
    let site = Site::built();
    let app = serving(&site).await;
    let wasm = address_in(&login_page(&app).await, "/keyward.wasm");

    for (accepted, encoding, body) in [
        ("gzip, deflate, br", Some("br"), "brotli bytes".as_bytes()),
        ("gzip", Some("gzip"), "gzip bytes".as_bytes()),
        ("identity", None, WASM),
    ] {
        let response = app
            .client
            .get(app.url(&wasm))
            .header("accept-encoding", accepted)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response
                .headers()
                .get("content-encoding")
                .map(|value| value.to_str().unwrap()),
            encoding,
            "{accepted}"
        );
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(response.bytes().await.unwrap().as_ref(), body, "{accepted}");
    }
}
