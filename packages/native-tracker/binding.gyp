{
  "targets": [
    {
      "target_name": "leakproof_native_tracker",
      "sources": [
        "src/native/binding.cc",
        "src/native/got.cc",
        "src/native/stacks.cc",
        "src/native/symbolize.cc",
        "src/native/table.cc",
        "src/native/tracker.cc"
      ],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      "cflags_cc": ["-std=c++17"],
      "conditions": [
        ["OS=='linux'", { "libraries": ["-ldl"] }]
      ]
    }
  ]
}
