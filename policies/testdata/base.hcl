# A shared base policy that other test policies extend.
sandbox "base" {
  extends = "python"

  limits {
    cpu    = "4s"
    memory = "512MiB"
  }

  mount "/data" {
    type = "host"
    host = "hostdir"
  }

  env {
    BASE = "yes"
    LANG = "en_US.UTF-8"
  }

  rule "base-deny-data-writes" {
    paths  = ["/data/**"]
    access = ["write", "create"]
    action = "deny"
    errno  = "EROFS"
  }
}
