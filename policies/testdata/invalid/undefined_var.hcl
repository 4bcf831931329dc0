sandbox "s" {
  mount "/work" {
    type = "host"
    host = var.submision
  }

  env {
    COURSE = "${var.course}-${var.year}"
  }
}
