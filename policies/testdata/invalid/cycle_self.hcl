sandbox "self" {
  extends = "./cycle_self.hcl"
}
