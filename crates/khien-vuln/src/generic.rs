//! (Generic CSV/XLSX parser: not written yet.)

use crate::{Finding, ParseError};
use std::io::BufRead;
use std::path::Path;

pub fn parse_csv<R: BufRead>(_input: R, _emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    Err(ParseError::Unsupported("generic-csv".into()))
}

pub fn parse_xlsx(_path: &Path, _emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    Err(ParseError::Unsupported("generic-csv (xlsx)".into()))
}
