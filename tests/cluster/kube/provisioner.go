package main

// A minimal dynamic volume provisioner for the test cluster. kwok simulates
// nodes, so no real volume is ever mounted; what matters is that the API
// behaves as on a real cluster: a PVC of the default StorageClass gets a PV,
// binds, and the PV goes away again when the claim is deleted.
//
// It works like a real external provisioner: event handlers only queue the
// object's key (a key queued twice is worked once), a worker reads the
// object's current state from the informer's cache before it acts, a failed
// call is retried with a per-object backoff, and the client may send as many
// requests as the API server takes. So a claim gets one volume and a
// released volume is deleted once, whatever the burst; nothing is resynced.

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listers "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
)

const (
	provisionerName       = "nexus.dev/test-hostpath"
	storageProvisionerKey = "volume.kubernetes.io/storage-provisioner"
	provisionedByKey      = "pv.kubernetes.io/provisioned-by"
	// Workers per queue: API calls in flight at once for each kind.
	workers = 4
)

func runProvisioner(args []string) int {
	flags := flag.NewFlagSet("provisioner", flag.ContinueOnError)
	kubeconfig := flags.String("kubeconfig", "", "kubeconfig of the provisioner's identity")
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
	// client-go's default of 5 requests a second cannot keep up with a
	// burst of stores; the API server takes far more.
	config.QPS, config.Burst = 100, 200
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		fmt.Fprintln(os.Stderr, "provisioner:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	factory := informers.NewSharedInformerFactory(client, 0)
	claimInformer := factory.Core().V1().PersistentVolumeClaims()
	volumeInformer := factory.Core().V1().PersistentVolumes()
	p := &provisioner{
		client:    client,
		dataDir:   *dataDir,
		localNode: *localNode,
		claims:    claimInformer.Lister(),
		volumes:   volumeInformer.Lister(),
		claimQueue: workqueue.NewTypedRateLimitingQueue(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](200*time.Millisecond, 30*time.Second)),
		volumeQueue: workqueue.NewTypedRateLimitingQueue(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](200*time.Millisecond, 30*time.Second)),
	}
	enqueue := func(queue workqueue.TypedRateLimitingInterface[string]) cache.ResourceEventHandlerFuncs {
		add := func(obj interface{}) {
			if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
				queue.Add(key)
			}
		}
		return cache.ResourceEventHandlerFuncs{AddFunc: add, UpdateFunc: func(_, obj interface{}) { add(obj) }}
	}
	_, _ = claimInformer.Informer().AddEventHandler(enqueue(p.claimQueue))
	_, _ = volumeInformer.Informer().AddEventHandler(enqueue(p.volumeQueue))
	factory.Start(ctx.Done())
	// Act only on a full picture: a claim's volume may exist already.
	factory.WaitForCacheSync(ctx.Done())

	var running sync.WaitGroup
	for i := 0; i < workers; i++ {
		running.Add(2)
		go func() { defer running.Done(); p.work(ctx, p.claimQueue, p.syncClaim) }()
		go func() { defer running.Done(); p.work(ctx, p.volumeQueue, p.syncVolume) }()
	}
	<-ctx.Done()
	p.claimQueue.ShutDown()
	p.volumeQueue.ShutDown()
	running.Wait()
	factory.Shutdown()
	return 0
}

type provisioner struct {
	client      kubernetes.Interface
	dataDir     string
	localNode   string
	claims      listers.PersistentVolumeClaimLister
	volumes     listers.PersistentVolumeLister
	claimQueue  workqueue.TypedRateLimitingInterface[string]
	volumeQueue workqueue.TypedRateLimitingInterface[string]
}

// work takes keys off the queue until it shuts down: a key whose sync failed
// comes back after its backoff, one that succeeded is forgotten.
func (p *provisioner) work(ctx context.Context, queue workqueue.TypedRateLimitingInterface[string], sync func(context.Context, string) error) {
	for {
		key, shutdown := queue.Get()
		if shutdown {
			return
		}
		if err := sync(ctx, key); err != nil {
			klog.ErrorS(err, "will retry", "key", key, "attempt", queue.NumRequeues(key)+1)
			queue.AddRateLimited(key)
		} else {
			queue.Forget(key)
		}
		queue.Done(key)
	}
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

// syncClaim creates the volume of a pending claim that the PV controller
// handed to this provisioner, unless it exists already.
func (p *provisioner) syncClaim(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	claim, err := p.claims.PersistentVolumeClaims(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if claim.Status.Phase != corev1.ClaimPending || claim.Spec.VolumeName != "" ||
		claim.DeletionTimestamp != nil || claim.Annotations[storageProvisionerKey] != provisionerName {
		return nil
	}
	volumeName := "pvc-" + string(claim.UID)
	if _, err := p.volumes.Get(volumeName); err == nil {
		return nil // made before; the PV controller binds it
	}
	hostPath := filepath.Join(p.dataDir, volumeName)
	if err := os.MkdirAll(hostPath, 0o755); err != nil {
		return fmt.Errorf("create volume directory %s: %w", hostPath, err)
	}
	source, affinity := p.source(hostPath)
	storageClass := ""
	if claim.Spec.StorageClassName != nil {
		storageClass = *claim.Spec.StorageClassName
	}
	volume := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{
			Name:        volumeName,
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
	_, err = p.client.CoreV1().PersistentVolumes().Create(ctx, volume, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create volume %s for claim %s: %w", volumeName, key, err)
	}
	klog.InfoS("provisioned volume", "claim", key, "volume", volumeName)
	return nil
}

// syncVolume deletes a released volume this provisioner made, as a real
// provisioner does for the Delete reclaim policy, once.
func (p *provisioner) syncVolume(ctx context.Context, name string) error {
	volume, err := p.volumes.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if volume.Status.Phase != corev1.VolumeReleased || volume.DeletionTimestamp != nil ||
		volume.Annotations[provisionedByKey] != provisionerName {
		return nil
	}
	if volume.Spec.HostPath != nil && strings.HasPrefix(volume.Spec.HostPath.Path, p.dataDir+"/") {
		_ = os.RemoveAll(volume.Spec.HostPath.Path)
	}
	if volume.Spec.Local != nil && strings.HasPrefix(volume.Spec.Local.Path, p.dataDir+"/") {
		_ = os.RemoveAll(volume.Spec.Local.Path)
	}
	// Only the version read: a volume changed since is looked at again.
	precondition := metav1.Preconditions{UID: &volume.UID, ResourceVersion: &volume.ResourceVersion}
	err = p.client.CoreV1().PersistentVolumes().Delete(ctx, name, metav1.DeleteOptions{Preconditions: &precondition})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("delete released volume %s: %w", name, err)
	}
	klog.InfoS("deleted released volume", "volume", name)
	return nil
}
