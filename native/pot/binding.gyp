{
  "targets": [
    {
      "target_name": "pot_native",
      "sources": ["src/binding.c", "src/keys.c", "src/x86.c", "src/arm.c"],
      "cflags": ["-O3", "-std=c11", "-Wall", "-Wextra"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-std=c11"] },
      "conditions": [
        ["OS=='linux' and target_arch=='arm64'", { "cflags": ["-march=armv8-a+crypto"] }]
      ]
    }
  ]
}
