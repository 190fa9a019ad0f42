{{/* Names: namespaced objects are named after the release; the cluster-scoped
roles keep the names the operator and the docs use (one Nexus per cluster). */}}
{{- define "nexus.name" -}}{{ .Release.Name }}-operator{{- end }}
{{- define "nexus.serviceAccount" -}}{{ .Release.Name }}-operator{{- end }}
{{- define "nexus.service" -}}{{ .Release.Name }}-operator{{- end }}
{{- define "nexus.webhookSecret" -}}{{ .Release.Name }}-webhook-tls{{- end }}
{{- define "nexus.webhookTokenSecret" -}}{{ .Release.Name }}-webhook-token{{- end }}
{{- define "nexus.webhookConfiguration" -}}nexus-stores{{- end }}
{{- define "nexus.image" -}}{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}{{- end }}

{{- define "nexus.labels" -}}
app.kubernetes.io/name: nexus
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: nexus
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end }}

{{- define "nexus.selector" -}}
app.kubernetes.io/name: nexus
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{/* One operator Deployment (shard "": the only one) and what selects its
pods: an unsharded release keeps the names and selector it always had. */}}
{{- define "nexus.shardName" -}}
{{ include "nexus.name" .root }}{{ if .shard }}-{{ .shard }}{{ end }}
{{- end }}
{{- define "nexus.shardLabels" -}}
app.kubernetes.io/component: operator
{{- if . }}
nexus.dev/operator-shard: {{ . }}
{{- end }}
{{- end }}
{{- define "nexus.shardSelector" -}}
{{ include "nexus.selector" .root }}
{{- if .shard }}
nexus.dev/operator-shard: {{ .shard }}
{{- end }}
{{- end }}

{{/* The operator's username as the API server knows it. */}}
{{- define "nexus.operatorUser" -}}system:serviceaccount:{{ .Release.Namespace }}:{{ include "nexus.serviceAccount" . }}{{- end }}

{{/* How the API server calls the webhook at PATH. */}}
{{- /* Service: no path. The operator makes its token and writes each
webhook's path (the token, then the route) with the CA, and Helm, rendering
none, leaves them be. A URL (an operator outside the cluster) has its path in
it, so the chart makes the token itself (see nexus.webhookToken) and renders
the URL the operator writes: Helm's server-side apply and the operator then
agree on it instead of conflicting, in every revision. */}}
{{- define "nexus.clientConfig" -}}
{{- if .root.Values.webhook.url -}}
url: {{ trimSuffix "/" .root.Values.webhook.url }}/{{ include "nexus.webhookToken" .root }}{{ .path }}
{{- else -}}
service:
  namespace: {{ .root.Release.Namespace }}
  name: {{ include "nexus.service" .root }}
  port: 443
{{- end -}}
{{- end }}

{{- /* The webhook's path token for a URL: the one the release's Secret holds,
else a new one (62 lowercase letters and digits, as the operator's own are),
made once per render and kept by every later revision. */}}
{{- define "nexus.webhookToken" -}}
{{- if not (hasKey .Values "_webhookToken") -}}
{{- $token := "" -}}
{{- with lookup "v1" "Secret" .Release.Namespace (include "nexus.webhookTokenSecret" .) -}}
{{- $token = index (.data | default dict) "token" | default "" | b64dec -}}
{{- end -}}
{{- $_ := set .Values "_webhookToken" ($token | default (randAlphaNum 62 | lower)) -}}
{{- end -}}
{{- index .Values "_webhookToken" -}}
{{- end }}

{{/* The store selector as an objectSelector (key=value and key terms). */}}
{{- define "nexus.objectSelector" -}}
{{- $labels := dict -}}
{{- $exists := list -}}
{{- range $term := splitList "," .Values.operator.storeSelector -}}
{{- $term = trim $term -}}
{{- if contains "=" $term -}}
{{- $kv := splitn "=" 2 $term -}}
{{- $_ := set $labels (trim $kv._0) (trim $kv._1) -}}
{{- else if $term -}}
{{- $exists = append $exists (dict "key" $term "operator" "Exists") -}}
{{- end -}}
{{- end -}}
{{- if or $labels $exists -}}
objectSelector:
{{- with $labels }}
  matchLabels: {{- toYaml . | nindent 4 }}
{{- end }}
{{- with $exists }}
  matchExpressions: {{- toYaml . | nindent 4 }}
{{- end }}
{{- end -}}
{{- end }}
