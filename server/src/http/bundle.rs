//! The built bundle (JS, WASM and its chunks, CSS under `<site root>/pkg`), served at
//! addresses that name its content: `/pkg/<app version>/pkg/keyward.wasm` (the app
//! version is `HydrationScripts`' root, and Leptos adds its `pkg` directory, which is
//! also where it reads the split manifest from), `/pkg/<style version>/keyward.css`.
//! A version is a hash of the files it covers, taken once at start-up, so browsers keep
//! the files for a year without asking again (`immutable`) and a new build is fetched
//! because its addresses are new. Pages are never cached, so they always name the
//! current versions.
//!
//! The JS glue, the WASM and its chunks share one version because Leptos'
//! `HydrationScripts` loads them from one directory (the chunks by addresses relative to
//! the split loader's); the stylesheet has its own, so a style change leaves the
//! WASM cached and the other way round. Under `cargo leptos watch` the files change
//! under a running server, so there the bundle is served unversioned and revalidated.
//! The files are sent brotli- or gzip-compressed when the build made `.br`/`.gz`
//! siblings (`cargo leptos build --precompress`) and the browser accepts them.

use std::{
    io,
    path::{Path, PathBuf},
};

use axum::{
    Router,
    http::{HeaderValue, header},
};
use sha2::{Digest, Sha256};
use tower_http::{
    services::{ServeDir, ServeFile},
    set_header::SetResponseHeaderLayer,
};

/// For addresses that change with their content.
const KEPT_FOR_A_YEAR: &str = "public, max-age=31536000, immutable";
/// For the unversioned addresses: cached, but asked about again before each use.
const REVALIDATED: &str = "no-cache";

/// Hex digits of a version: 64 bits, plenty to tell builds apart.
const VERSION_HEX_DIGITS: usize = 16;

#[derive(Clone, Debug)]
pub struct Bundle {
    pkg_dir: String,
    stylesheet_name: String,
    files: PathBuf,
    versions: Option<Versions>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Versions {
    app: String,
    stylesheet: String,
}

impl Bundle {
    /// Reads and hashes `<site_root>/<pkg_dir>`; a missing directory is an empty bundle
    /// (a server built without its front end still serves pages and `/v1`).
    /// `versioned: false` serves the files at their plain names, for watch mode.
    pub fn read(
        site_root: &Path,
        pkg_dir: &str,
        output_name: &str,
        versioned: bool,
    ) -> io::Result<Self> {
        let pkg_dir = pkg_dir.trim_matches('/').to_owned();
        let files = site_root.join(&pkg_dir);
        let stylesheet_name = format!("{output_name}.css");
        let versions = if versioned {
            Some(Versions::of(&files, &stylesheet_name)?)
        } else {
            None
        };
        Ok(Self {
            pkg_dir,
            stylesheet_name,
            files,
            versions,
        })
    }

    /// The directory of the built files, relative to the site root (Leptos'
    /// `site_pkg_dir`, where it also finds the split manifest).
    pub fn pkg_dir(&self) -> &str {
        &self.pkg_dir
    }

    /// The prefix under which pages load the JS, the WASM and its chunks
    /// (`HydrationScripts`' `root`): `/pkg/<app version>`, so the JS is at
    /// `/pkg/<app version>/pkg/keyward.js`; empty when unversioned.
    pub fn app_root(&self) -> String {
        match &self.versions {
            Some(versions) => format!("/{}/{}", self.pkg_dir, versions.app),
            None => String::new(),
        }
    }

    pub fn stylesheet_href(&self) -> String {
        match &self.versions {
            Some(versions) => format!(
                "/{}/{}/{}",
                self.pkg_dir, versions.stylesheet, self.stylesheet_name
            ),
            None => format!("/{}/{}", self.pkg_dir, self.stylesheet_name),
        }
    }

    /// Every address under `/<pkg_dir>`. The plain names stay reachable (revalidated),
    /// so a page rendered just before a restart onto a new build can still load.
    pub fn router(&self) -> Router {
        let plain = cache_control(
            Router::new().fallback_service(compressed_dir(&self.files)),
            REVALIDATED,
        );
        let versioned = match &self.versions {
            Some(versions) => cache_control(
                Router::new()
                    .route_service(
                        &format!("/{}/{}", versions.stylesheet, self.stylesheet_name),
                        ServeFile::new(self.files.join(&self.stylesheet_name))
                            .precompressed_br()
                            .precompressed_gzip(),
                    )
                    .nest_service(
                        &format!("/{}/{}", versions.app, self.pkg_dir),
                        compressed_dir(&self.files),
                    ),
                KEPT_FOR_A_YEAR,
            ),
            None => Router::new(),
        };
        Router::new().nest(&format!("/{}", self.pkg_dir), versioned.merge(plain))
    }
}

impl Versions {
    fn of(files: &Path, stylesheet_name: &str) -> io::Result<Self> {
        let mut app = Sha256::new();
        let mut stylesheet = Sha256::new();
        for (name, path) in bundle_files(files)? {
            let hasher = if name == stylesheet_name {
                &mut stylesheet
            } else {
                &mut app
            };
            let content = std::fs::read(&path)?;
            // Name and length first, so moving bytes between files changes the hash.
            hasher.update(name.as_bytes());
            hasher.update([0]);
            hasher.update((content.len() as u64).to_le_bytes());
            hasher.update(&content);
        }
        Ok(Self {
            app: short_hex(app.finalize().as_slice()),
            stylesheet: short_hex(stylesheet.finalize().as_slice()),
        })
    }
}

/// The files under `dir` by path relative to it, sorted, without the compressed copies
/// (they are made from the originals). A missing directory holds no files. Links to
/// directories are not walked (one pointing back up would loop for ever); links to
/// files count as the files they name.
fn bundle_files(dir: &Path) -> io::Result<Vec<(String, PathBuf)>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = match std::fs::read_dir(&current) {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
            Err(err) => return Err(err),
        };
        for entry in entries {
            let entry = entry?;
            let path = entry.path();
            // `DirEntry::file_type` does not follow links, unlike `Path::is_dir`.
            let kind = entry.file_type()?;
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_symlink() && path.is_dir() {
                continue;
            } else if !matches!(
                path.extension().and_then(|ext| ext.to_str()),
                Some("br" | "gz")
            ) {
                let name = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                found.push((name, path));
            }
        }
    }
    found.sort();
    Ok(found)
}

fn short_hex(digest: &[u8]) -> String {
    hex::encode(&digest[..digest.len().min(VERSION_HEX_DIGITS / 2)])
}

fn compressed_dir(dir: &Path) -> ServeDir {
    ServeDir::new(dir).precompressed_br().precompressed_gzip()
}

fn cache_control(router: Router, value: &'static str) -> Router {
    router.layer(SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static(value),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Site(PathBuf);

    impl Site {
        fn with(files: &[(&str, &str)]) -> Self {
            let root =
                std::env::temp_dir().join(format!("kw-bundle-{}", uuid::Uuid::new_v4().simple()));
            for (name, content) in files {
                let path = root.join("pkg").join(name);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, content).unwrap();
            }
            Self(root)
        }

        fn bundle(&self) -> Bundle {
            Bundle::read(&self.0, "pkg", "keyward", true).unwrap()
        }
    }

    impl Drop for Site {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    const BUILD: [(&str, &str); 3] = [
        ("keyward.js", "export {};"),
        ("keyward.wasm", "\0asm"),
        ("keyward.css", "body{}"),
    ];

    fn with_changed(name: &str, content: &'static str) -> Vec<(&'static str, &'static str)> {
        BUILD
            .iter()
            .map(|&(file, old)| (file, if file == name { content } else { old }))
            .collect()
    }

    #[test]
    fn the_same_files_give_the_same_addresses() {
        let (a, b) = (Site::with(&BUILD), Site::with(&BUILD));
        assert_eq!(a.bundle().versions, b.bundle().versions);
        assert_eq!(
            a.bundle().app_root().len(),
            "/pkg/".len() + VERSION_HEX_DIGITS
        );
    }

    #[test]
    fn a_new_wasm_moves_the_app_address_and_leaves_the_stylesheet_where_it_was() {
        let before = Site::with(&BUILD).bundle();
        let after = Site::with(&with_changed("keyward.wasm", "\0asm2")).bundle();
        assert_ne!(before.app_root(), after.app_root());
        assert_eq!(before.stylesheet_href(), after.stylesheet_href());
    }

    #[test]
    fn a_new_stylesheet_moves_its_address_and_leaves_the_app_where_it_was() {
        let before = Site::with(&BUILD).bundle();
        let after = Site::with(&with_changed("keyward.css", "body{margin:0}")).bundle();
        assert_eq!(before.app_root(), after.app_root());
        assert_ne!(before.stylesheet_href(), after.stylesheet_href());
        assert!(after.stylesheet_href().ends_with("/keyward.css"));
    }

    #[test]
    fn compressed_copies_do_not_count_and_nested_files_do() {
        let plain = Site::with(&BUILD).bundle();
        let mut with_copies = BUILD.to_vec();
        with_copies.push(("keyward.wasm.br", "compressed"));
        assert_eq!(Site::with(&with_copies).bundle().versions, plain.versions);
        let mut with_snippet = BUILD.to_vec();
        with_snippet.push(("snippets/a/inline0.js", "export {};"));
        assert_ne!(
            Site::with(&with_snippet).bundle().app_root(),
            plain.app_root()
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_link_back_up_the_tree_is_not_walked_and_a_linked_file_counts() {
        let site = Site::with(&BUILD);
        let pkg = site.0.join("pkg");
        std::os::unix::fs::symlink(&pkg, pkg.join("loop")).unwrap();
        std::os::unix::fs::symlink(pkg.join("keyward.css"), pkg.join("linked.css")).unwrap();
        let names: Vec<String> = bundle_files(&pkg)
            .unwrap()
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(
            names,
            ["keyward.css", "keyward.js", "keyward.wasm", "linked.css"]
        );
    }

    #[test]
    fn a_missing_directory_is_an_empty_bundle_and_watch_mode_is_unversioned() {
        let site = Site::with(&[]);
        assert!(site.bundle().app_root().starts_with("/pkg/"));
        assert_eq!(site.bundle().pkg_dir(), "pkg");
        let watched = Bundle::read(&site.0, "/pkg/", "keyward", false).unwrap();
        assert_eq!(watched.app_root(), "");
        assert_eq!(watched.pkg_dir(), "pkg");
        assert_eq!(watched.stylesheet_href(), "/pkg/keyward.css");
    }
}
