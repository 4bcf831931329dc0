# Claims determinism but reads the host clock and leaves hashing random.
sandbox "claims" {
  extends       = "python"
  deterministic = true

  time {
    mode = "coarse"
  }
}
