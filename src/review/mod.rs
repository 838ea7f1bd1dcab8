//! `review`: the access a config change grants or revokes (issue 5).
