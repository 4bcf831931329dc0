sandbox "s" {
  extends = "python"

  mont "/work" {
    type = "dir"
  }

  limit {
    cpu = "1s"
  }
}
