{
  "targets": [
    {
      "target_name": "pxe_sendfile",
      "sources": ["sendfile.c"],
      "cflags": ["-O2", "-Wall"],
      "conditions": [["OS!='linux'", { "sources!": ["sendfile.c"], "sources": [] }]]
    }
  ]
}
