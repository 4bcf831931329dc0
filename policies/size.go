package policies

// ParseSize parses a byte size as policies write it ("256MiB", "1GB",
// "4096"), for command-line overrides of the same budgets.
func ParseSize(s string) (int64, error) { return parseSize(s) }
