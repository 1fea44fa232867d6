{{/* Labels every object of the chart carries. */}}
{{- define "feedmesh.labels" -}}
app.kubernetes.io/part-of: feedmesh
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The selector of one process's pods (args: the process name). */}}
{{- define "feedmesh.selector" -}}
app.kubernetes.io/name: feedmesh-{{ . }}
{{- end -}}

{{- define "feedmesh.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}

{{/* The pod-level security context: the image's unprivileged user; fsGroup makes the mounted Secrets readable. */}}
{{- define "feedmesh.podSecurity" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile: {type: RuntimeDefault}
{{- end -}}

{{- define "feedmesh.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities: {drop: [ALL]}
{{- end -}}
