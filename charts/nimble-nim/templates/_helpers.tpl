{{- define "nimble-nim.fullname" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "nimble-nim.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "nimble-nim.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | trunc 63 }}
{{ include "nimble-nim.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.model.labels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "nimble-nim.serviceName" -}}
{{- .Values.service.name | default (printf "%s-nim" .Release.Name) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* One HTTP probe; the kind ("startupProbe", ...) names the values block. */}}
{{- define "nimble-nim.probe" -}}
{{- $p := index .root.Values .kind -}}
{{- if $p.enabled }}
{{ .kind }}:
  httpGet:
    path: {{ $p.path }}
    port: http-openai
  initialDelaySeconds: {{ $p.initialDelaySeconds }}
  timeoutSeconds: {{ $p.timeoutSeconds }}
  periodSeconds: {{ $p.periodSeconds }}
  successThreshold: {{ $p.successThreshold }}
  failureThreshold: {{ $p.failureThreshold }}
{{- end }}
{{- end }}
