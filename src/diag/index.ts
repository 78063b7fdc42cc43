// Technician diagnostics: the public API the CLI (`bedlink diag`) and the panel's technician page use.
export { runDiagnostics, type DiagOptions } from "./run.ts";
export { renderHtmlReport } from "./reportHtml.ts";
export { renderMarkdownReport } from "./reportMarkdown.ts";
export { formatCheckLine, formatTable } from "./table.ts";
export { CHECK_IDS, CHECK_TITLES, type CarriageTrace, type CheckId, type CheckResult, type CheckStatus, type DiagProgress, type DiagReport, type EndState, type HeaterCurve, type Measurement } from "./types.ts";
