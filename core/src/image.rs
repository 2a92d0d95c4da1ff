//! Images, only as far as labs across hosts need them: does a daemon have an image, and copy
//! one from a daemon that has it to one that lacks it (`docker save | docker load` through the
//! API). dockernet never pulls: test and lab images are built or loaded locally.
//!
//! A copy holds the whole image archive in memory once, within the client's response cap
//! (`DOCKERNET_MAX_RESPONSE_BYTES`, 256 MiB by default): lab images are small (the test image
//! is about 2 MB); a larger one is an error that names the cap.

use bytes::Bytes;
use http::Method;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::Value;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};

impl Client {
    /// True when the daemon has `image` (a name, `name:tag` or id) locally.
    pub async fn image_exists(&self, image: &str) -> Result<bool> {
        let path = format!("/images/{}/json", utf8_percent_encode(image, NON_ALPHANUMERIC));
        match self.get_doc(&path).await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e.context(format!("image inspect {image:?}"))),
        }
    }

    /// The image as a `docker save` archive (a tar).
    pub async fn image_save(&self, image: &str) -> Result<Bytes> {
        let path = self.versioned(&format!("/images/get?names={}", utf8_percent_encode(image, NON_ALPHANUMERIC))).await?;
        self.raw(Method::GET, &path, None, &[]).await.map_err(|e| e.context(format!("image save {image:?}")))
    }

    /// Loads a `docker save` archive. The daemon answers 200 with a stream of progress lines
    /// even when the load fails: an `error` line is turned into the error.
    pub async fn image_load(&self, archive: Bytes) -> Result<()> {
        let path = self.versioned("/images/load?quiet=1").await?;
        let body = self
            .raw(Method::POST, &path, Some(archive), &[("Content-Type", "application/x-tar")])
            .await
            .map_err(|e| e.context("image load"))?;
        for line in body.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            if let Ok(v) = serde_json::from_slice::<Value>(line) {
                if let Some(err) = v.get("error").and_then(Value::as_str) {
                    return Err(Error::new(ErrorKind::Api, format!("image load: {err}")));
                }
            }
        }
        Ok(())
    }

    /// Copies `image` from `from` to this daemon (save there, load here).
    pub async fn image_copy_from(&self, from: &Client, image: &str) -> Result<()> {
        let archive = from.image_save(image).await?;
        self.image_load(archive).await
    }
}
