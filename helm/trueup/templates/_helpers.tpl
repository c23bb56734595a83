{{/* trueup.name is the chart name, or nameOverride. */}}
{{- define "trueup.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* trueup.fullname names every object: release-name, or fullnameOverride (63 characters at most). */}}
{{- define "trueup.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* trueup.labels are the standard labels of every object. */}}
{{- define "trueup.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "trueup.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* trueup.selectorLabels select the release's pods. */}}
{{- define "trueup.selectorLabels" -}}
app.kubernetes.io/name: {{ include "trueup.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* trueup.testLabels label the `helm test` pod, apart from the release's pods. */}}
{{- define "trueup.testLabels" -}}
app.kubernetes.io/name: {{ include "trueup.name" . }}-test
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: test
{{- end }}

{{/* trueup.serviceAccountName is the ServiceAccount the pods run as. */}}
{{- define "trueup.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "trueup.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name: name an existing ServiceAccount when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* trueup.image is the container image reference: by digest when one is given. */}}
{{- define "trueup.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* trueup.leaderElection is "true" when the replicas elect a leader (always with more than one). */}}
{{- define "trueup.leaderElection" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicaCount) 1) }}true{{ end }}
{{- end }}

{{/* trueup.canDelete is "true" when trueup may delete objects: pruning or replacing immutable ones. */}}
{{- define "trueup.canDelete" -}}
{{- if or .Values.reconcile.prune .Values.reconcile.replaceImmutable }}true{{ end }}
{{- end }}

{{/*
trueup.rules are trueup's RBAC rules on one cluster, least privilege: the managed kinds (delete only
when pruning or replacing immutable objects), Events to record and read, and read-only workloads
for diagnosis.
*/}}
{{- define "trueup.rules" -}}
- apiGroups: [""]
  resources: [configmaps, secrets]
  verbs: [get, list, watch, patch, create{{ if include "trueup.canDelete" . }}, delete{{ end }}]
- apiGroups: [""]
  resources: [events]
  verbs: [create, get, list]
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list]
- apiGroups: [""]
  resources: [services]
  verbs: [get]
- apiGroups: [apps]
  resources: [deployments, replicasets, statefulsets, daemonsets]
  verbs: [get, list]
- apiGroups: [batch]
  resources: [jobs]
  verbs: [get, list]
{{- end }}

{{/* trueup.stateDir, trueup.cacheDir and the mount folders of the pod. */}}
{{- define "trueup.stateDir" -}}/var/lib/trueup{{- end }}
{{- define "trueup.cacheDir" -}}/var/cache/trueup{{- end }}
{{- define "trueup.gitDir" -}}/etc/trueup/git{{- end }}

{{/* trueup.kubeconfigs is KUBECONFIG: the in-cluster kubeconfig and every remote one, merged by trueup. */}}
{{- define "trueup.kubeconfigs" -}}
{{- $files := list }}
{{- if .Values.localCluster.enabled }}
{{- $files = append $files "/etc/trueup/config/in-cluster.kubeconfig" }}
{{- end }}
{{- range .Values.remoteClusters }}
{{- $files = append $files (printf "/etc/trueup/clusters/%s/kubeconfig" .name) }}
{{- end }}
{{- join ":" $files }}
{{- end }}

{{/* trueup.secretEnv is one env entry from a Secret key. */}}
{{- define "trueup.secretEnv" -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef: { name: {{ .secret | quote }}, key: {{ .key | quote }} }
{{- end }}

{{/* trueup.digestKeySecret names the Secret with the digest key: the given one or the chart's. */}}
{{- define "trueup.digestKeySecret" -}}
{{- .Values.digestKey.existingSecret | default (printf "%s-digest-key" (include "trueup.fullname" .)) -}}
{{- end }}
