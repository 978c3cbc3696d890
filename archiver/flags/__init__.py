"""Red flags: recycled, near-duplicate, out-of-period and off-topic evidence, and upload bursts."""
