// The app is built into dist/ (git-ignored) with fixed file names: the gateway serves each built file as an Envoy
// direct response read at its start (gateway/web_app.py), so the set of paths must not change with every build.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const client = fileURLToPath(new URL("../clients/ts/src/", import.meta.url));

export default defineConfig({
  base: "/",
  resolve: {
    // the generated client is used from its TypeScript sources; its imports resolve from this package's modules
    alias: [
      { find: "@feedmesh/client/web", replacement: `${client}web.ts` },
      { find: /^@feedmesh\/client\/gen\//, replacement: `${client}gen/` },
    ],
    dedupe: ["@bufbuild/protobuf", "@connectrpc/connect", "@connectrpc/connect-web"],
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    reportCompressedSize: true,
    rollupOptions: {
      output: {
        entryFileNames: "assets/app.js",
        chunkFileNames: "assets/[name].js",
        assetFileNames: "assets/[name][extname]",
      },
    },
  },
});
