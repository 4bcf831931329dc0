sandbox "s" {
  mount "/work" {
    type = "hots"
  }

  mount "/dev/null" {
    type   = "device"
    device = "nul"
  }

  time {
    mode = "virtul"
  }

  trace {
    file   = "t.jsonl"
    events = "denies"
  }

  rule "r" {
    class  = "files"
    access = ["raed", "write"]
    action = "alow"
  }
}
