// The version reported by /health and `carbonio --version`; kept in step with package.json.
export const VERSION = '0.1.0';
