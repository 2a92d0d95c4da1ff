//! Images, only as far as labs across hosts need them: does a daemon have an image, and copy
//! one from a daemon that has it to one that lacks it (`docker save | docker load` through the
//! API). dockernet pulls only when a topology says `pull: true` ([`Client::image_pull`]): test
//! and lab images are built or loaded locally.
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

    /// Pulls `image` (`name`, `name:tag`, `registry:port/name:tag`, `name@digest`) from its
    /// registry onto this daemon (`POST /images/create`). Only a topology with `pull: true` calls
    /// this. The daemon answers 200 and streams progress once the pull has begun, so an `error`
    /// line in that stream is a failure too.
    ///
    /// Errors: the daemon's reason (registry unreachable, unknown image, no access), prefixed
    /// with `pull image "<image>"`.
    pub async fn image_pull(&self, image: &str) -> Result<()> {
        let (name, tag) = split_reference(image);
        let mut query = format!("/images/create?fromImage={}", utf8_percent_encode(name, NON_ALPHANUMERIC));
        if let Some(tag) = tag {
            query.push_str(&format!("&tag={}", utf8_percent_encode(tag, NON_ALPHANUMERIC)));
        }
        let what = format!("pull image {image:?}");
        let path = self.versioned(&query).await?;
        let body = self.raw(Method::POST, &path, None, &[]).await.map_err(|e| e.context(&what))?;
        for line in body.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            if let Ok(v) = serde_json::from_slice::<Value>(line) {
                if let Some(err) = v.get("error").and_then(Value::as_str) {
                    return Err(Error::new(ErrorKind::Api, format!("{what}: {err}")));
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

/// Splits an image reference into what `fromImage` and `tag` take. A digest stays in the name;
/// without a tag the pull asks for `latest` (an empty `tag` would pull every tag of the
/// repository). A colon before the last `/` is a registry's port, not a tag.
fn split_reference(image: &str) -> (&str, Option<&str>) {
    if image.contains('@') {
        return (image, None);
    }
    let slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[slash..].rfind(':') {
        Some(i) => (&image[..slash + i], Some(&image[slash + i + 1..])),
        None => (image, Some("latest")),
    }
}

#[cfg(test)]
mod tests {
    use super::split_reference;

    /// Tags, registry ports and digests are told apart as the docker CLI does.
    #[test]
    fn references() {
        assert_eq!(split_reference("busybox"), ("busybox", Some("latest")));
        assert_eq!(split_reference("busybox:1.36"), ("busybox", Some("1.36")));
        assert_eq!(split_reference("127.0.0.1:9/dockernet-nope:1"), ("127.0.0.1:9/dockernet-nope", Some("1")));
        assert_eq!(split_reference("127.0.0.1:9/dockernet-nope"), ("127.0.0.1:9/dockernet-nope", Some("latest")));
        assert_eq!(split_reference("r/x@sha256:ab"), ("r/x@sha256:ab", None));
    }
}
