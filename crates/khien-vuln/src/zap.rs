//! (ZAP parsers: not written yet.)

use crate::{Finding, ParseError};
use std::io::BufRead;

pub fn parse_xml<R: BufRead>(_input: R, _emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    Err(ParseError::Unsupported("zap-xml".into()))
}

pub fn parse_json<R: BufRead>(_input: R, _emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    Err(ParseError::Unsupported("zap-json".into()))
}
