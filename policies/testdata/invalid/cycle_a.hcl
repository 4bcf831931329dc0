# cycle_a extends cycle_b, which extends cycle_a.
sandbox "a" {
  extends = "./cycle_b.hcl"
}
