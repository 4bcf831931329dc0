# Extends base.hcl, which extends the python profile.
sandbox "child" {
  extends = "./base.hcl"

  limits {
    cpu = "1s"
  }

  # Replaces python's /tmp in place.
  mount "/tmp" {
    type  = "scratch"
    quota = "1MiB"
    files = 10
  }

  mount "/etc/motd" {
    type    = "file"
    content = file("motd.txt")
    mode    = "0444"
  }

  env {
    LANG  = "C.UTF-8"
    CHILD = upper("yes")
    HOME  = null
  }

  rule "child-hide-sub" {
    paths  = ["/data/sub/**"]
    action = "deny"
    errno  = "ENOENT"
  }
}
