//! (OpenVAS parsers: not written yet.)

use crate::{Finding, ParseError};
use std::io::BufRead;

pub fn parse_xml<R: BufRead>(_input: R, _emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    Err(ParseError::Unsupported("openvas-xml".into()))
}

pub fn parse_csv<R: BufRead>(_input: R, _emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    Err(ParseError::Unsupported("openvas-csv".into()))
}
