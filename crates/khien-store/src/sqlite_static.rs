//! A prepared SQLite statement whose text parameters are bound without a copy, for the scan
//! import's one hot statement (the insert of a new finding, half a million times in a large
//! report).
//!
//! rusqlite binds every text with `SQLITE_TRANSIENT`, so SQLite copies each string before the
//! step; for a finding's dozen texts that copy was a tenth of the database thread's binding
//! work. Here texts are bound with `SQLITE_STATIC`, which is sound because
//! [`StaticStatement::execute`] binds, steps, resets and clears the bindings within one call
//! that borrows the texts: SQLite never holds a pointer to them after it returns.

use rusqlite::ffi;
use std::ffi::{CStr, c_int};
use std::marker::PhantomData;

/// One value to bind.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Param<'a> {
    Text(&'a str),
    Int(i64),
    Null,
}

impl From<Option<i64>> for Param<'_> {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Param::Null, Param::Int)
    }
}

/// A statement prepared on `conn`, finalized when dropped (before the connection can go,
/// since it borrows it).
pub(crate) struct StaticStatement<'c> {
    stmt: *mut ffi::sqlite3_stmt,
    db: *mut ffi::sqlite3,
    _conn: PhantomData<&'c rusqlite::Connection>,
}

impl<'c> StaticStatement<'c> {
    pub(crate) fn prepare(conn: &'c rusqlite::Connection, sql: &str) -> rusqlite::Result<StaticStatement<'c>> {
        // SAFETY: the handle is the live connection `conn` borrows for 'c.
        let db = unsafe { conn.handle() };
        let mut stmt = std::ptr::null_mut();
        let len = c_int::try_from(sql.len()).map_err(|_| rusqlite::Error::InvalidQuery)?;
        // SAFETY: `sql` is valid for `len` bytes (no terminator needed when a length is
        // given); `stmt` receives the new statement or null.
        let rc = unsafe {
            ffi::sqlite3_prepare_v3(
                db,
                sql.as_ptr().cast(),
                len,
                ffi::SQLITE_PREPARE_PERSISTENT,
                &mut stmt,
                std::ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(error(db, rc));
        }
        if stmt.is_null() {
            return Err(rusqlite::Error::InvalidQuery);
        }
        Ok(StaticStatement { stmt, db, _conn: PhantomData })
    }

    /// Bind `params` (as ?1, ?2, ... in order), run the statement to completion (it must
    /// return no rows) and return how many rows it changed.
    pub(crate) fn execute(&mut self, params: &[Param<'_>]) -> rusqlite::Result<u64> {
        let result = self.bind_and_step(params);
        // SAFETY: `stmt` is a live statement. Reset and clearing the bindings drop every
        // pointer SQLite took from `params` before they go out of scope.
        unsafe {
            ffi::sqlite3_reset(self.stmt);
            ffi::sqlite3_clear_bindings(self.stmt);
        }
        result
    }

    fn bind_and_step(&mut self, params: &[Param<'_>]) -> rusqlite::Result<u64> {
        // SAFETY: `stmt` is live; parameter count is read-only.
        let expected = unsafe { ffi::sqlite3_bind_parameter_count(self.stmt) } as usize;
        if params.len() != expected {
            return Err(rusqlite::Error::InvalidParameterCount(params.len(), expected));
        }
        for (i, p) in params.iter().enumerate() {
            let ndx = (i + 1) as c_int;
            // SAFETY: `stmt` is live and `ndx` within 1..=count. A text stays borrowed until
            // `execute` clears the bindings (SQLITE_STATIC: no copy, no destructor).
            let rc = unsafe {
                match *p {
                    // An empty text is bound from a static "" (an empty String's pointer
                    // is dangling, though never read at length 0).
                    Param::Text(s) => ffi::sqlite3_bind_text64(
                        self.stmt,
                        ndx,
                        if s.is_empty() { "".as_ptr().cast() } else { s.as_ptr().cast() },
                        s.len() as ffi::sqlite3_uint64,
                        ffi::SQLITE_STATIC(),
                        ffi::SQLITE_UTF8 as u8,
                    ),
                    Param::Int(v) => ffi::sqlite3_bind_int64(self.stmt, ndx, v),
                    Param::Null => ffi::sqlite3_bind_null(self.stmt, ndx),
                }
            };
            if rc != ffi::SQLITE_OK {
                return Err(error(self.db, rc));
            }
        }
        // SAFETY: `stmt` is live with every parameter bound.
        match unsafe { ffi::sqlite3_step(self.stmt) } {
            ffi::SQLITE_DONE => Ok(unsafe { ffi::sqlite3_changes64(self.db) } as u64),
            ffi::SQLITE_ROW => Err(rusqlite::Error::ExecuteReturnedResults),
            rc => Err(error(self.db, rc)),
        }
    }
}

impl Drop for StaticStatement<'_> {
    fn drop(&mut self) {
        // SAFETY: `stmt` is live and finalized once, here.
        unsafe {
            ffi::sqlite3_finalize(self.stmt);
        }
    }
}

/// The connection's error for result code `rc`, with SQLite's message.
fn error(db: *mut ffi::sqlite3, rc: c_int) -> rusqlite::Error {
    // SAFETY: `db` is a live connection; the message is copied before any other call.
    let message = unsafe {
        let m = ffi::sqlite3_errmsg(db);
        (!m.is_null()).then(|| CStr::from_ptr(m).to_string_lossy().into_owned())
    };
    // The extended code (e.g. SQLITE_CONSTRAINT_UNIQUE) says more than `rc`.
    let code = unsafe { ffi::sqlite3_extended_errcode(db) };
    rusqlite::Error::SqliteFailure(ffi::Error::new(if code != 0 { code } else { rc }), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_texts_ints_and_nulls_and_reports_errors() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE t (a TEXT NOT NULL UNIQUE, b INTEGER, c INTEGER)").unwrap();
        let mut st =
            StaticStatement::prepare(&c, "INSERT INTO t (a, b, c) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING").unwrap();
        for i in 0..3 {
            // A fresh String each time, dropped after the call: nothing may keep pointing at it.
            let text = format!("row-{i}-é");
            assert_eq!(st.execute(&[Param::Text(&text), Param::Int(i), Param::Null]).unwrap(), 1);
        }
        assert_eq!(st.execute(&[Param::Text("row-1-é"), Param::Int(9), Param::Null]).unwrap(), 0);
        assert!(matches!(st.execute(&[Param::Text("x")]), Err(rusqlite::Error::InvalidParameterCount(1, 3))));
        drop(st);
        let rows: Vec<(String, i64, Option<i64>)> = c
            .prepare("SELECT a, b, c FROM t ORDER BY b")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows, vec![("row-0-é".into(), 0, None), ("row-1-é".into(), 1, None), ("row-2-é".into(), 2, None)]);
        let mut strict = StaticStatement::prepare(&c, "INSERT INTO t (a) VALUES (?1)").unwrap();
        let e = strict.execute(&[Param::Text("row-0-é")]).unwrap_err();
        assert!(e.to_string().contains("UNIQUE"), "{e}");
        let e = StaticStatement::prepare(&c, "INSERT INTO nowhere VALUES (1)").err().expect("no such table");
        assert!(e.to_string().contains("nowhere"), "{e}");
    }
}
