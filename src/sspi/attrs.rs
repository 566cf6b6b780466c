//! `QueryContextAttributes` and `QueryCredentialsAttributes` (filled in by the FFI layer).
