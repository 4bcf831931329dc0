sandbox "s" {
  limits {
    cpu = "1s"
  }

  limits {
    wall = "2s"
  }

  mount "/work" {
    type = "dir"
  }

  mount "/work" {
    type = "scratch"
  }

  rule "r" {
    class  = "time"
    action = "allow"
  }

  rule "r" {
    class  = "file"
    action = "allow"
  }
}
