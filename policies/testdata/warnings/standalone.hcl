# A standalone policy without limits has no budgets at all.
sandbox "bare" {
  mount "/tmp" {
    type  = "scratch"
    quota = "1MiB"
  }
}
