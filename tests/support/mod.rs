//! Fakes of the external systems, shared by every integration test and the benchmark.
//!
//! - [`server`]: one HTTP server on 127.0.0.1 with the machinery every fake shares (request
//!   log and counters, latency, ETags and 304s, `Link` pagination, fault injection). A fake is a
//!   [`server::Service`] mounted on it.
//! - [`accounts`]: Sentry, Fastly and PagerDuty (issue 12), each on its own server.
//! - [`github`]: the in-memory GitHub (org, teams, memberships, App installation, repositories
//!   with branches, contents, pull requests and comments).
//!
//! A new system's fake (Sentry, Fastly, PagerDuty, AWS) is a module here with its model and a
//! `Service` impl, mounted on the same server (its own prefix, or its own server).
#![allow(dead_code)]

pub mod accounts;
pub mod aws;
pub mod github;
pub mod server;
