//! Random tokens: the delimiters of step outputs and of `::stop-commands::`, which no text the
//! scan prints can guess.

/// `n` random bytes as lower-case hex.
pub fn random_hex(n: usize) -> std::io::Result<String> {
    use aws_lc_rs::rand::SecureRandom as _;
    let mut bytes = vec![0u8; n];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| std::io::Error::other("the system random generator failed"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_hex_is_random() -> std::io::Result<()> {
        let (a, b) = (random_hex(16)?, random_hex(16)?);
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        Ok(())
    }
}
