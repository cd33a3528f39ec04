{
  "target_defaults": {
    "sources": ["src/native/client.cc", "src/native/convert.cc"],
    "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
    "cflags_cc": ["-std=c++17"],
    "defines": ["LDAP_DEPRECATED=0"],
    "libraries": ["-lldap", "-llber"]
  },
  "targets": [
    { "target_name": "leakproof_ldap" },
    {
      "target_name": "leakproof_ldap_controls_ref_leak",
      "defines": ["LEAKPROOF_REGRESSION_CONTROLS_REF_LEAK"],
      "product_dir": "<(PRODUCT_DIR)/regressions"
    },
    {
      "target_name": "leakproof_ldap_not_found_leak",
      "defines": ["LEAKPROOF_REGRESSION_NOT_FOUND_LEAK"],
      "product_dir": "<(PRODUCT_DIR)/regressions"
    }
  ]
}
