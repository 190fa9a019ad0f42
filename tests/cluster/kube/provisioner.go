package main

// A minimal dynamic volume provisioner for the test cluster. kwok simulates
// nodes, so no real volume is ever mounted; what matters is that the API
// behaves as on a real cluster: a PVC of the default StorageClass gets a PV,
// binds, and the PV goes away again when the claim is deleted.

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
)

const (
	provisionerName       = "nexus.dev/test-hostpath"
	storageProvisionerKey = "volume.kubernetes.io/storage-provisioner"
	provisionedByKey      = "pv.kubernetes.io/provisioned-by"
)

func runProvisioner(args []string) int {
	flags := flag.NewFlagSet("provisioner", flag.ContinueOnError)
	kubeconfig := flags.String("kubeconfig", "", "kubeconfig of the cluster admin")
	dataDir := flags.String("data-dir", "", "directory that holds the volumes' host paths")
	localNode := flags.String("local-node", "", "make `local` volumes pinned to this node (a real node: the kubelet applies fsGroup to them, not to hostPath)")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *kubeconfig == "" || *dataDir == "" {
		fmt.Fprintln(os.Stderr, "usage: kube provisioner --kubeconfig FILE --data-dir DIR [--local-node NODE]")
		return 2
	}
	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "provisioner:", err)
		return 1
	}
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		fmt.Fprintln(os.Stderr, "provisioner:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	p := &provisioner{client: client, dataDir: *dataDir, localNode: *localNode}
	// A resync hands every pending claim back now and then: one whose
	// volume could not be made the first time is not left Pending for good.
	factory := informers.NewSharedInformerFactory(client, 10*time.Second)
	claims := factory.Core().V1().PersistentVolumeClaims().Informer()
	volumes := factory.Core().V1().PersistentVolumes().Informer()
	_, _ = claims.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj interface{}) { p.claimChanged(ctx, obj) },
		UpdateFunc: func(_, obj interface{}) { p.claimChanged(ctx, obj) },
	})
	_, _ = volumes.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj interface{}) { p.volumeChanged(ctx, obj) },
		UpdateFunc: func(_, obj interface{}) { p.volumeChanged(ctx, obj) },
	})
	factory.Start(ctx.Done())
	<-ctx.Done()
	factory.Shutdown()
	return 0
}

type provisioner struct {
	client    kubernetes.Interface
	dataDir   string
	localNode string
}

// source is where the volume's data lives: a host path for kwok's pretend
// pods, a `local` volume pinned to the node for a real kubelet.
func (p *provisioner) source(path string) (corev1.PersistentVolumeSource, *corev1.VolumeNodeAffinity) {
	if p.localNode == "" {
		return corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: path}}, nil
	}
	affinity := &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{
			Key: "kubernetes.io/hostname", Operator: corev1.NodeSelectorOpIn, Values: []string{p.localNode},
		}}}},
	}}
	return corev1.PersistentVolumeSource{Local: &corev1.LocalVolumeSource{Path: path}}, affinity
}

// claimChanged creates a bound-to-be PV for a pending claim that the PV
// controller handed to this provisioner.
func (p *provisioner) claimChanged(ctx context.Context, obj interface{}) {
	claim, ok := obj.(*corev1.PersistentVolumeClaim)
	if !ok || claim.Status.Phase != corev1.ClaimPending || claim.Spec.VolumeName != "" {
		return
	}
	if claim.Annotations[storageProvisionerKey] != provisionerName {
		return
	}
	name := "pvc-" + string(claim.UID)
	hostPath := filepath.Join(p.dataDir, name)
	if err := os.MkdirAll(hostPath, 0o755); err != nil {
		klog.ErrorS(err, "create volume directory", "path", hostPath)
		return
	}
	source, affinity := p.source(hostPath)
	storageClass := ""
	if claim.Spec.StorageClassName != nil {
		storageClass = *claim.Spec.StorageClassName
	}
	volume := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{provisionedByKey: provisionerName},
		},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: claim.Spec.Resources.Requests[corev1.ResourceStorage]},
			AccessModes:                   claim.Spec.AccessModes,
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
			StorageClassName:              storageClass,
			VolumeMode:                    claim.Spec.VolumeMode,
			ClaimRef: &corev1.ObjectReference{
				Kind:       "PersistentVolumeClaim",
				APIVersion: "v1",
				Namespace:  claim.Namespace,
				Name:       claim.Name,
				UID:        claim.UID,
			},
			PersistentVolumeSource: source,
			NodeAffinity:           affinity,
		},
	}
	_, err := p.client.CoreV1().PersistentVolumes().Create(ctx, volume, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		klog.ErrorS(err, "create volume", "claim", klog.KObj(claim))
		return
	}
	klog.InfoS("provisioned volume", "claim", klog.KObj(claim), "volume", name)
}

// volumeChanged deletes a released volume this provisioner made, as a real
// provisioner does for the Delete reclaim policy.
func (p *provisioner) volumeChanged(ctx context.Context, obj interface{}) {
	volume, ok := obj.(*corev1.PersistentVolume)
	if !ok || volume.Status.Phase != corev1.VolumeReleased {
		return
	}
	if volume.Annotations[provisionedByKey] != provisionerName || volume.DeletionTimestamp != nil {
		return
	}
	if volume.Spec.HostPath != nil {
		_ = os.RemoveAll(volume.Spec.HostPath.Path)
	}
	if volume.Spec.Local != nil && strings.HasPrefix(volume.Spec.Local.Path, p.dataDir+"/") {
		_ = os.RemoveAll(volume.Spec.Local.Path)
	}
	err := p.client.CoreV1().PersistentVolumes().Delete(ctx, volume.Name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		klog.ErrorS(err, "delete released volume", "volume", volume.Name)
		return
	}
	klog.InfoS("deleted released volume", "volume", volume.Name)
}
