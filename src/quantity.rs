//! Sums of CPU and memory quantities as a plan writes them ("400m", "2",
//! "384Mi", "1Gi"), for the quota that leaves room for a replacement pod.
//! Exact integer arithmetic: CPU in millicores, memory in bytes.

/// Millicores of a CPU quantity: "1", "1.5", "250m".
pub fn millicores(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let invalid = || format!("{text:?} is not a CPU quantity (such as 500m or 2)");
    if let Some(milli) = text.strip_suffix('m') {
        return milli.parse().map_err(|_| invalid());
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid());
    }
    let whole: u64 = whole.parse().map_err(|_| invalid())?;
    let fraction: u64 = format!("{fraction:0<3}").parse().map_err(|_| invalid())?;
    whole
        .checked_mul(1000)
        .and_then(|w| w.checked_add(fraction))
        .ok_or_else(invalid)
}

/// Bytes of a memory quantity: "512Mi", "1Gi", "1G", "1000".
pub fn bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let invalid = || format!("{text:?} is not a memory quantity (such as 512Mi or 2Gi)");
    const UNITS: [(&str, u64); 8] = [
        ("Ki", 1 << 10),
        ("Mi", 1 << 20),
        ("Gi", 1 << 30),
        ("Ti", 1 << 40),
        ("k", 1_000),
        ("M", 1_000_000),
        ("G", 1_000_000_000),
        ("T", 1_000_000_000_000),
    ];
    let (number, unit) = UNITS
        .iter()
        .find_map(|(suffix, unit)| text.strip_suffix(suffix).map(|n| (n, *unit)))
        .unwrap_or((text, 1));
    let number: u64 = number.parse().map_err(|_| invalid())?;
    number.checked_mul(unit).ok_or_else(invalid)
}

/// The sum of CPU quantities, written as Kubernetes would read it back.
pub fn add_cpu(parts: &[&str]) -> Result<String, String> {
    let mut total: u64 = 0;
    for part in parts {
        total = total.saturating_add(millicores(part)?);
    }
    Ok(if total.is_multiple_of(1000) {
        (total / 1000).to_string()
    } else {
        format!("{total}m")
    })
}

/// The sum of memory quantities, in the largest binary unit that is exact.
pub fn add_memory(parts: &[&str]) -> Result<String, String> {
    let mut total: u64 = 0;
    for part in parts {
        total = total.saturating_add(bytes(part)?);
    }
    for (suffix, unit) in [
        ("Ti", 1u64 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ] {
        if total >= unit && total.is_multiple_of(unit) {
            return Ok(format!("{}{suffix}", total / unit));
        }
    }
    Ok(total.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_and_memory_add_up_exactly() {
        assert_eq!(add_cpu(&["1", "400m"]).unwrap(), "1400m");
        assert_eq!(add_cpu(&["1.5", "500m"]).unwrap(), "2");
        assert_eq!(add_memory(&["1Gi", "384Mi"]).unwrap(), "1408Mi");
        assert_eq!(add_memory(&["1536Mi", "512Mi"]).unwrap(), "2Gi");
        assert_eq!(add_memory(&["1G", "1000"]).unwrap(), "1000001000");
        assert_eq!(millicores("0.25").unwrap(), 250);
    }

    #[test]
    fn what_is_no_quantity_is_named() {
        for bad in ["", "m", "1.2345", "-1", "two", "1.x"] {
            assert!(millicores(bad).is_err(), "{bad:?}");
        }
        for bad in ["", "1Xi", "-5Mi", "1.5Gi"] {
            assert!(bytes(bad).is_err(), "{bad:?}");
        }
    }
}
