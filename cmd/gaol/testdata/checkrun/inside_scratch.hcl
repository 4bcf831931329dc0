# A mount inside the inherited scratch /tmp: refused by check and run alike.
sandbox "inside-scratch" {
  extends = "python"

  mount "/tmp/out" {
    type  = "scratch"
    quota = "1MiB"
    files = 100
  }
}
