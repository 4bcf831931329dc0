sandbox "" {
  rule "has space" {
    class  = "file"
    action = "allow"
  }

  rule "network.connect" {
    class  = "network"
    action = "allow"
  }
}
