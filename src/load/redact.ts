// The API key must never reach an event, a log line or an error message: every string that
// leaves the load engine passes through here.
export function redact(text: string, apiKey: string | undefined): string {
  if (!apiKey || apiKey.length < 4) return text;
  return text.split(apiKey).join('***');
}
