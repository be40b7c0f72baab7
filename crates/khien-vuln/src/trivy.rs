//! (trivy parser: not written yet.)

use crate::{Finding, ParseError};
use std::io::BufRead;

pub fn parse<R: BufRead>(_input: R, _emit: &mut dyn FnMut(Finding)) -> Result<usize, ParseError> {
    Err(ParseError::Unsupported("trivy".into()))
}
