sandbox "s" {
  mount "work" {
    type = "dir"
  }

  mount "/a/../etc" {
    type = "dir"
  }

  mount "/b/" {
    type = "dir"
  }

  mount "" {
    type = "dir"
  }
}
