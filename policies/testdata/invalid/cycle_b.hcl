sandbox "b" {
  extends = "cycle_a.hcl"
}
