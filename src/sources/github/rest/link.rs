//! URLs: `--api-url` (origin and GHES base path), the check that a Link URL stays under it (so
//! the token is never sent elsewhere), and `Link` header parsing for pagination.

use std::collections::HashMap;

use http::Uri;

use super::error::ApiError;

/// The origin and base path of `--api-url`.
#[derive(Debug, Clone)]
pub(super) struct Base {
    pub(super) uri: Uri,
    /// scheme://authority
    pub(super) origin: String,
    /// "" for api.github.com, "/api/v3" for GHES.
    pub(super) path: String,
}

impl Base {
    pub(super) fn parse(api_url: &str) -> Result<Base, String> {
        let trimmed = api_url.trim_end_matches('/');
        let uri: Uri = trimmed.parse().map_err(|_| {
            format!("--api-url {api_url:?} is not a URL; use e.g. https://api.github.com or https://HOST/api/v3")
        })?;
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(format!(
                "--api-url {api_url:?} needs a scheme and host, e.g. https://api.github.com or https://HOST/api/v3"
            ));
        };
        if scheme != "https" && scheme != "http" {
            return Err(format!("--api-url {api_url:?} must be http or https"));
        }
        if uri.query().is_some() {
            return Err(format!("--api-url {api_url:?} must not have a query"));
        }
        Ok(Base {
            origin: format!("{scheme}://{authority}"),
            path: uri.path().trim_end_matches('/').to_owned(),
            uri,
        })
    }

    /// The path-and-query to request for a caller path or an absolute URL (a Link).
    /// Absolute URLs must be under --api-url, so the token is never sent elsewhere.
    pub(super) fn request_path(&self, path_or_url: &str) -> Result<String, ApiError> {
        if path_or_url.starts_with('/') {
            return Ok(path_or_url.to_owned());
        }
        let Some(rest) = path_or_url.strip_prefix(&self.origin) else {
            return Err(ApiError::Request(format!(
                "GitHub pointed at {path_or_url}, which is not under --api-url {}; not following it \
                 (set --api-url to the server's API URL)",
                self.origin
            )));
        };
        if !rest.starts_with(&format!("{}/", self.path)) {
            return Err(ApiError::Request(format!(
                "GitHub pointed at {path_or_url}, outside --api-url {}{}; not following it",
                self.origin, self.path
            )));
        }
        // Keep the base path: octocrab's base-URI layer does not prefix it twice.
        Ok(rest.to_owned())
    }

    /// The full URL, for cache keys and messages.
    pub(super) fn full_url(&self, request_path: &str) -> String {
        if request_path.starts_with(&format!("{}/", self.path)) && !self.path.is_empty() {
            format!("{}{}", self.origin, request_path)
        } else {
            format!("{}{}{}", self.origin, self.path, request_path)
        }
    }
}

/// The parts of a `Link` header, by rel.
pub fn parse_link(header: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for part in header.split(',') {
        let part = part.trim();
        let (Some(start), Some(end)) = (part.find('<'), part.find('>')) else {
            continue;
        };
        if end <= start {
            continue;
        }
        let url = &part[start + 1..end];
        for param in part[end + 1..].split(';') {
            let param = param.trim();
            if let Some(rel) = param.strip_prefix("rel=") {
                for r in rel.trim_matches('"').split_whitespace() {
                    out.insert(r.to_owned(), url.to_owned());
                }
            }
        }
    }
    out
}

/// The value of the `page` query parameter of a URL.
pub(super) fn page_number(url: &str) -> Option<u64> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("page="))
        .and_then(|v| v.parse().ok())
}

/// The same URL with `page=n`.
pub(super) fn with_page(url: &str, n: u64) -> Option<String> {
    let (head, query) = url.split_once('?')?;
    let mut found = false;
    let parts: Vec<String> = query
        .split('&')
        .map(|kv| {
            if kv.starts_with("page=") {
                found = true;
                format!("page={n}")
            } else {
                kv.to_owned()
            }
        })
        .collect();
    found.then(|| format!("{head}?{}", parts.join("&")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_link_headers() {
        let h = r#"<https://api.github.com/organizations/1/team/2/members?per_page=100&page=2>; rel="next", <https://api.github.com/organizations/1/team/2/members?per_page=100&page=7>; rel="last""#;
        let l = parse_link(h);
        assert_eq!(page_number(&l["next"]), Some(2));
        assert_eq!(page_number(&l["last"]), Some(7));
        assert_eq!(
            with_page(&l["last"], 3).unwrap(),
            "https://api.github.com/organizations/1/team/2/members?per_page=100&page=3"
        );
        assert!(parse_link("garbage").is_empty());
    }

    #[test]
    fn link_urls_must_stay_under_the_api_url() {
        let ghes = Base::parse("https://ghe.example/api/v3/").unwrap();
        assert_eq!(
            ghes.request_path("https://ghe.example/api/v3/orgs/x?page=2")
                .unwrap(),
            "/api/v3/orgs/x?page=2"
        );
        assert_eq!(
            ghes.full_url("/api/v3/orgs/x?page=2"),
            "https://ghe.example/api/v3/orgs/x?page=2"
        );
        assert_eq!(
            ghes.full_url("/orgs/x"),
            "https://ghe.example/api/v3/orgs/x"
        );
        assert!(
            ghes.request_path("https://evil.example/api/v3/orgs/x")
                .is_err()
        );
        assert!(ghes.request_path("https://ghe.example/other").is_err());
        let dotcom = Base::parse("https://api.github.com").unwrap();
        assert_eq!(
            dotcom
                .request_path("https://api.github.com/x?page=2")
                .unwrap(),
            "/x?page=2"
        );
        assert!(Base::parse("api.github.com").is_err());
    }
}
