sandbox "s" {
  mount "/work" {
    type    = "host"
    host    = "/"
    exclude = ["/abs/*.pyc", "[unclosed"]
  }

  process {
    exec = ["usr/bin/*"]
  }

  rule "r" {
    paths = [
      "/work/[a-",
      "/work/**.py",
      "/work//x",
      "relative/*",
    ]
    action = "deny"
  }
}
