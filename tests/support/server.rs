//! One fake HTTP server on 127.0.0.1 for every external API the tests talk to.
//!
//! A [`Service`] (the fake of one system: GitHub today; Sentry, Fastly, PagerDuty, AWS later) is
//! an in-memory model with a router; it is mounted on a [`FakeServer`] under a path prefix. The
//! server owns what is the same for every system: HTTP/1.1 on a real socket, a request log and
//! counters, latency, conditional requests (ETag and 304), the [`paginate`] helper (`Link`
//! headers), and fault injection: a queue of [`FaultRule`]s, each matching a method and a path
//! for a number of requests, answering with a status and headers (5xx, 429 with `Retry-After`,
//! 403 with `x-ratelimit-remaining: 0`), a dropped connection or a truncated body, before or
//! after the model has acted on the request.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request, as the mounted service sees it (the mount prefix removed from `target`).
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path and query, after the mount prefix.
    pub target: String,
    /// Header names lower-cased; repeated headers joined with ", ".
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Request {
    /// The path without the query, still percent-encoded.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The query parameters, in order, percent-decoded.
    pub fn params(&self) -> Vec<(String, String)> {
        let query = self.target.split_once('?').map_or("", |(_, q)| q);
        query
            .split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (decode(k), decode(v))
            })
            .collect()
    }

    pub fn param(&self, key: &str) -> Option<String> {
        self.params()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The path's segments, percent-decoded.
    pub fn segments(&self) -> Vec<String> {
        self.path()
            .trim_start_matches('/')
            .split('/')
            .map(decode)
            .collect()
    }

    /// The body as JSON (`null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

pub fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn new(status: u16, body: impl Into<String>) -> Response {
        Response {
            status,
            headers: vec![],
            body: body.into(),
        }
    }

    pub fn json(status: u16, v: serde_json::Value) -> Response {
        Response::new(status, v.to_string())
    }

    pub fn header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// Where a service is mounted: what it needs to build absolute URLs (`Link` headers).
pub struct Ctx {
    /// `http://127.0.0.1:PORT` plus the mount prefix.
    pub base: String,
}

/// The fake of one external system: an in-memory model behind a router.
pub trait Service: Send + Sync + 'static {
    /// Answer `req` (its target relative to the mount point) from the model.
    fn handle(&self, req: &Request, ctx: &Ctx) -> Response;

    /// Every request that reaches this service's mount, before any fault is applied (so a
    /// service can record what was attempted, whether or not it was answered).
    fn observe(&self, _req: &Request) {}
}

/// What an injected fault does.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer with this status, headers and body instead of the model.
    Status {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Close the connection without answering.
    Drop,
    /// Answer 200 with a JSON array cut off in the middle of its first object.
    Truncate,
    /// Let the model act on the request, then answer with the inner fault: the change happened
    /// but the client cannot tell (a 502 from a gateway after the write, a lost connection).
    After(Box<Fault>),
}

impl Fault {
    pub fn status(status: u16, body: &str) -> Fault {
        Fault::Status {
            status,
            headers: vec![],
            body: body.to_owned(),
        }
    }

    pub fn with_headers(status: u16, headers: &[(&str, &str)], body: &str) -> Fault {
        Fault::Status {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.to_owned(),
        }
    }

    /// 429 with `Retry-After: secs`.
    pub fn retry_after(secs: u64) -> Fault {
        Fault::with_headers(
            429,
            &[("retry-after", &secs.to_string())],
            r#"{"message":"Too Many Requests"}"#,
        )
    }

    /// This fault, after the model has acted on the request.
    pub fn after(self) -> Fault {
        Fault::After(Box::new(self))
    }
}

/// A fault for the next `times` requests whose method matches (any, if `None`) and whose path
/// and query contain `path_contains` (the full target, mount prefix included).
#[derive(Debug, Clone)]
pub struct FaultRule {
    pub method: Option<String>,
    pub path_contains: String,
    pub fault: Fault,
    pub times: usize,
}

#[derive(Default)]
struct Inner {
    base: String,
    /// (prefix, service), longest prefix first.
    mounts: Mutex<Vec<(String, Arc<dyn Service>)>>,
    latency: Mutex<Duration>,
    faults: Mutex<Vec<FaultRule>>,
    requests: AtomicU64,
    not_modified: AtomicU64,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    log: Mutex<Vec<String>>,
}

/// A running fake server. Stops when the test process ends.
#[derive(Clone)]
pub struct FakeServer {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    inner: Arc<Inner>,
}

impl FakeServer {
    /// Listen on 127.0.0.1 (a free port) on a runtime of its own, so both blocking and async
    /// tests can use it.
    pub fn start() -> FakeServer {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("fake server runtime");
            rt.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
                let addr = listener.local_addr().expect("addr");
                let inner = Arc::new(Inner {
                    base: format!("http://{addr}"),
                    ..Inner::default()
                });
                tx.send(inner.clone()).expect("send state");
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let inner = inner.clone();
                    tokio::spawn(async move {
                        let _ = serve(stream, inner).await;
                    });
                }
            });
        });
        let inner = rx.recv().expect("fake server started");
        FakeServer {
            url: inner.base.clone(),
            inner,
        }
    }

    /// Serve `service` under `prefix` ("" for the root; "/api/v3" for GitHub Enterprise).
    /// Requests under no mount are 404s.
    pub fn mount(&self, prefix: &str, service: Arc<dyn Service>) -> &Self {
        let mut mounts = self.inner.mounts.lock().expect("lock");
        mounts.retain(|(p, _)| p != prefix);
        mounts.push((prefix.to_owned(), service));
        mounts.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        self
    }

    /// Move every service mounted at `from` to `to`.
    pub fn remount(&self, from: &str, to: &str) -> &Self {
        let mut mounts = self.inner.mounts.lock().expect("lock");
        for (p, _) in mounts.iter_mut().filter(|(p, _)| p == from) {
            *p = to.to_owned();
        }
        mounts.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        self
    }

    /// Queue a fault.
    pub fn fault(&self, rule: FaultRule) -> &Self {
        self.inner.faults.lock().expect("lock").push(rule);
        self
    }

    /// Add this delay to every request.
    pub fn latency(&self, d: Duration) -> &Self {
        *self.inner.latency.lock().expect("lock") = d;
        self
    }

    /// Requests received (including 304s and faults).
    pub fn requests(&self) -> u64 {
        self.inner.requests.load(Ordering::SeqCst)
    }

    /// 304 answers given.
    pub fn not_modified(&self) -> u64 {
        self.inner.not_modified.load(Ordering::SeqCst)
    }

    /// The most requests that were in flight at once.
    pub fn max_in_flight(&self) -> u64 {
        self.inner.max_in_flight.load(Ordering::SeqCst)
    }

    /// "METHOD path?query" of every request, in arrival order.
    pub fn log(&self) -> Vec<String> {
        self.inner.log.lock().expect("lock").clone()
    }

    /// Reset the counters and the log (not the services or faults).
    pub fn reset_counters(&self) {
        self.inner.requests.store(0, Ordering::SeqCst);
        self.inner.not_modified.store(0, Ordering::SeqCst);
        self.inner.max_in_flight.store(0, Ordering::SeqCst);
        self.inner.log.lock().expect("lock").clear();
    }
}

async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Request> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let mut lines = head.split("\r\n");
            let mut first = lines.next()?.split(' ');
            let method = first.next()?.to_owned();
            let target = first.next()?.to_owned();
            // Repeated headers are joined, as a server would see them.
            let mut headers: HashMap<String, String> = HashMap::new();
            for (k, v) in lines.filter_map(|l| l.split_once(':')) {
                headers
                    .entry(k.trim().to_ascii_lowercase())
                    .and_modify(|old| {
                        old.push_str(", ");
                        old.push_str(v.trim());
                    })
                    .or_insert_with(|| v.trim().to_owned());
            }
            let len: usize = headers
                .get("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let total = end + 4 + len;
            while buf.len() < total {
                let mut chunk = [0u8; 4096];
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let body = buf[end + 4..total].to_vec();
            buf.drain(..total);
            return Some(Request {
                method,
                target,
                headers,
                body,
            });
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn not_found() -> Response {
    Response::new(
        404,
        r#"{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}"#,
    )
}

async fn serve(mut stream: TcpStream, inner: Arc<Inner>) -> std::io::Result<()> {
    let mut buf = Vec::new();
    while let Some(req) = read_request(&mut stream, &mut buf).await {
        inner.requests.fetch_add(1, Ordering::SeqCst);
        let now = inner.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        inner.max_in_flight.fetch_max(now, Ordering::SeqCst);
        inner
            .log
            .lock()
            .expect("lock")
            .push(format!("{} {}", req.method, req.target));
        let latency = *inner.latency.lock().expect("lock");
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let fault = {
            let mut faults = inner.faults.lock().expect("lock");
            faults
                .iter_mut()
                .find(|f| {
                    f.times > 0
                        && f.method.as_ref().is_none_or(|m| *m == req.method)
                        && req.target.contains(&f.path_contains)
                })
                .map(|f| {
                    f.times -= 1;
                    f.fault.clone()
                })
        };
        let mounted = {
            let mounts = inner.mounts.lock().expect("lock");
            mounts.iter().find_map(|(prefix, svc)| {
                let rest = req.target.strip_prefix(prefix.as_str())?;
                (rest.starts_with('/')).then(|| (prefix.clone(), rest.to_owned(), svc.clone()))
            })
        };
        let response = match mounted {
            None => Some(not_found()),
            Some((prefix, target, svc)) => {
                let req = Request {
                    target,
                    ..req.clone()
                };
                svc.observe(&req);
                let ctx = Ctx {
                    base: format!("{}{prefix}", inner.base),
                };
                let (fault, after) = match fault {
                    Some(Fault::After(f)) => (Some(*f), true),
                    f => (f, false),
                };
                let answer = (fault.is_none() || after).then(|| svc.handle(&req, &ctx));
                match fault {
                    None => answer,
                    Some(Fault::Drop) => None,
                    Some(Fault::Truncate) => Some(Response::new(200, "[{\"login\":\"trunc")),
                    Some(Fault::Status {
                        status,
                        headers,
                        body,
                    }) => Some(Response {
                        status,
                        headers,
                        body,
                    }),
                    Some(Fault::After(f)) => panic!("a fault after a fault: {f:?}"),
                }
            }
        };
        let Some(response) = response else {
            inner.in_flight.fetch_sub(1, Ordering::SeqCst);
            return Ok(());
        };
        let response = conditional(&inner, &req, response);
        let reason = match response.status {
            200 => "OK",
            201 => "Created",
            204 => "No Content",
            304 => "Not Modified",
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            409 => "Conflict",
            422 => "Unprocessable Entity",
            429 => "Too Many Requests",
            500 => "Internal Server Error",
            502 => "Bad Gateway",
            503 => "Service Unavailable",
            _ => "Status",
        };
        let mut out = format!(
            "HTTP/1.1 {} {reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: {}\r\n",
            response.status,
            response.body.len()
        );
        for (k, v) in &response.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        out.push_str(&response.body);
        inner.in_flight.fetch_sub(1, Ordering::SeqCst);
        stream.write_all(out.as_bytes()).await?;
    }
    Ok(())
}

/// Add an ETag to 200s and answer a matching If-None-Match with 304.
fn conditional(inner: &Inner, req: &Request, mut response: Response) -> Response {
    if response.status != 200 {
        return response;
    }
    let mut h: u64 = 1469598103934665603;
    for b in response.body.bytes() {
        h = (h ^ b as u64).wrapping_mul(1099511628211);
    }
    let etag = format!("W/\"{h:016x}\"");
    if req.headers.get("if-none-match") == Some(&etag) {
        inner.not_modified.fetch_add(1, Ordering::SeqCst);
        return Response {
            status: 304,
            headers: vec![("etag".into(), etag)],
            body: String::new(),
        };
    }
    response.headers.push(("etag".into(), etag));
    response
}

/// How `Link` headers are written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Paging {
    /// Leave `rel="last"` out (GitHub does on some endpoints).
    pub omit_last: bool,
    /// Claim this page number in `rel="last"` (a wrong or hostile Link header).
    pub last_claim: Option<usize>,
}

/// One page of `items` (JSON texts) by the request's `per_page` (default 30, at most 100) and
/// `page`, with an RFC 8288 `Link` header (`prev`, `next`, `last`, `first`) when there is more
/// than one page. `url(query)` makes the absolute URL of a page from its query string.
pub fn paginate(
    req: &Request,
    items: &[String],
    paging: Paging,
    url: impl Fn(&str) -> String,
) -> Response {
    let params = req.params();
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let per_page: usize = param("per_page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(30)
        .clamp(1, 100);
    let page: usize = param("page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let last = items.len().div_ceil(per_page).max(1);
    let start = ((page - 1) * per_page).min(items.len());
    let end = (start + per_page).min(items.len());
    let mut response = Response::new(200, format!("[{}]", items[start..end].join(",")));
    if last > 1 {
        // The request's own query (raw), with `page` replaced.
        let query = req.target.split_once('?').map_or("", |(_, q)| q);
        let others: String = query
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("page="))
            .map(|kv| format!("{kv}&"))
            .collect();
        let page_url = |p: usize| url(&format!("{others}page={p}"));
        let mut links = vec![];
        if page > 1 {
            links.push(format!("<{}>; rel=\"prev\"", page_url(page - 1)));
        }
        if page < last {
            links.push(format!("<{}>; rel=\"next\"", page_url(page + 1)));
            if !paging.omit_last {
                let claimed = paging.last_claim.unwrap_or(last);
                links.push(format!("<{}>; rel=\"last\"", page_url(claimed)));
            }
        }
        if page > 1 {
            links.push(format!("<{}>; rel=\"first\"", page_url(1)));
        }
        response = response.header("link", &links.join(", "));
    }
    response
}
