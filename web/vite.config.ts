/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The API serves the built files at `/`; in development Vite proxies the API and the socket to it.
const api = process.env.WELLWON_API ?? "http://127.0.0.1:5002";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", sourcemap: false, chunkSizeWarningLimit: 700 },
  server: { proxy: { "/api": api, "/ws": { target: api, ws: true } } },
  test: { environment: "jsdom", include: ["src/**/*.test.ts", "src/**/*.test.tsx"] },
});
