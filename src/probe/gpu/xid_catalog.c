/* xid_catalog.c: NVIDIA's Xid catalogue for Ampere and newer GPUs, as
 * published in "Analyzing Xid Errors with the Xid Catalog"
 * (https://docs.nvidia.com/deploy/xid-errors/analyzing-xid-catalog.html):
 * mnemonic, description and the two resolution buckets per code. The
 * category column and the `action` column (the immediate bucket with
 * NVIDIA's WORKFLOW_* entries resolved as their catalogue text says) are
 * mloncall's; docs/probes/xid.md lists both. Codes absent here are
 * reported as unknown. */
#include <stdlib.h>
#include <string.h>

#include "probe/gpu/xid.h"

#define APP "application"
#define DRV "driver"
#define MEM "memory/ECC"
#define NVL "NVLink"
#define GSP "GSP/firmware"
#define BUS "hardware/bus"
#define PWR "thermal/power"

/* code, mnemonic, meaning, category, immediate, investigatory, action,
 * unused. Sorted by code (xid_lookup bisects). */
static const struct xid_info catalog[] = {
    {8, "ROBUST_CHANNEL_FIFO_ERROR_IDLE_TIMEOUT", "GPU stopped processing", DRV,
     "RESTART_APP", "CONTACT_SUPPORT", "RESTART_APP", 0},
    {11, "ROBUST_CHANNEL_GR_ERROR_MISSING_HW",
     "Invalid or corrupted push buffer stream", APP, "RESTART_APP",
     "CHECK_APP/CUDA", "RESTART_APP", 0},
    {13, "ROBUST_CHANNEL_GR_EXCEPTION", "Graphics Engine Exception", APP,
     "RESTART_APP", "WORKFLOW_XID_13", "RESTART_APP", 0},
    {14, "ROBUST_CHANNEL_FAKE_ERROR", "Fake or injected error", DRV, "IGNORE",
     "CONTACT_SUPPORT", "IGNORE", 0},
    {25, "ROBUST_CHANNEL_GR_ILLEGAL_NOTIFY",
     "Invalid or illegal push buffer stream", APP, "RESTART_APP",
     "CHECK_APP/CUDA", "RESTART_APP", 0},
    {31, "ROBUST_CHANNEL_FIFO_ERROR_MMU_ERR_FLT", "GPU memory page fault", APP,
     "RESTART_APP", "WORKFLOW_XID_31", "RESTART_APP", 0},
    {32, "ROBUST_CHANNEL_PBDMA_ERROR",
     "Invalid or corrupted push buffer stream (PCIe DMA fault)", BUS,
     "RESTART_APP", "CHECK_APP/CUDA", "RESTART_APP", 0},
    {37, "ROBUST_CHANNEL_FECS_ERR_UNIMP_FIRMWARE_METHOD",
     "Driver firmware error", DRV, "IGNORE", "CHECK_APP/CUDA", "IGNORE", 0},
    {38, "ROBUST_CHANNEL_FECS_ERR_WATCHDOG_TIMEOUT", "Driver firmware error",
     DRV, "IGNORE", "CONTACT_SUPPORT", "IGNORE", 0},
    {39, "ROBUST_CHANNEL_CE0_ERROR", "Copy Engine Exception", DRV,
     "RESTART_APP", "CONTACT_SUPPORT", "RESTART_APP", 0},
    {40, "ROBUST_CHANNEL_CE1_ERROR", "Copy Engine Exception", DRV,
     "RESTART_APP", "CONTACT_SUPPORT", "RESTART_APP", 0},
    {41, "ROBUST_CHANNEL_CE2_ERROR", "Copy Engine Exception", DRV,
     "RESTART_APP", "CONTACT_SUPPORT", "RESTART_APP", 0},
    {43, "ROBUST_CHANNEL_RESETCHANNEL_VERIF_ERROR",
     "GPU stopped processing (user application fault; GPU healthy)", APP,
     "IGNORE", "CONTACT_SUPPORT", "IGNORE", 0},
    {44, "ROBUST_CHANNEL_GR_FAULT_DURING_CTXSW",
     "Graphics Engine fault during context switch", DRV, "IGNORE",
     "CONTACT_SUPPORT", "IGNORE", 0},
    {45, "ROBUST_CHANNEL_PREEMPTIVE_REMOVAL",
     "Preemptive cleanup, due to previous errors (application aborted or "
     "killed)",
     APP, "WORKFLOW_XID_45",
     "Solo: RESTART_FM; not solo: IGNORE (follow other Xid)", "IGNORE", 0},
    {46, "ROBUST_CHANNEL_GPU_TIMEOUT_ERROR", "GPU stopped processing", DRV,
     "RESET_GPU", "CONTACT_SUPPORT", "RESET_GPU", 0},
    {48, "ROBUST_CHANNEL_GPU_ECC_DBE", "Double Bit ECC Error", MEM,
     "WORKFLOW_XID_48", "WORKFLOW_XID_48", "RESET_GPU", 0},
    {54, "SILENT_RUNNING_PWR_REDUCED_CLOCKING",
     "Auxiliary power is not connected to the GPU board", PWR,
     "CHECK_MECHANICALS", "CONTACT_SUPPORT", "CHECK_MECHANICALS", 0},
    {56, "DISPLAY_CHANNEL_EXCEPTION", "Unused", DRV, "CONTACT_SUPPORT",
     "N/A; Unused", "CONTACT_SUPPORT", 1},
    {57, "FB_LINK_TRAINING_FAILURE_ERROR", "Unused", BUS, "CONTACT_SUPPORT",
     "N/A; Unused", "CONTACT_SUPPORT", 1},
    {60, "ROBUST_CHANNEL_SEC2_ERROR", "Video processor exception", DRV,
     "RESTART_APP", "INVESTIGATE_SW", "RESTART_APP", 0},
    {61, "PMU_BREAKPOINT", "Unused", GSP, "CONTACT_SUPPORT", "N/A; Unused",
     "CONTACT_SUPPORT", 1},
    {62, "PMU_HALT_ERROR", "Internal micro-controller halt", GSP, "RESET_GPU",
     "CONTACT_SUPPORT", "RESET_GPU", 0},
    {63, "INFOROM_DRAM_RETIREMENT_EVENT", "GPU memory remapping event", MEM,
     "IGNORE", "IGNORE", "IGNORE", 0},
    {64, "INFOROM_DRAM_RETIREMENT_FAILURE", "GPU memory remapping failure", MEM,
     "RESET_GPU", "CONTACT_SUPPORT", "RESET_GPU", 0},
    {66, "ROBUST_CHANNEL_FECS_ERR_REG_ACCESS_VIOLATION",
     "Illegal access by driver", DRV, "IGNORE", "INVESTIGATE_SW", "IGNORE", 0},
    {67, "ROBUST_CHANNEL_FECS_ERR_VERIF_VIOLATION", "Illegal access by driver",
     DRV, "IGNORE", "CONTACT_SUPPORT", "IGNORE", 0},
    {68, "ROBUST_CHANNEL_NVDEC0_ERROR", "NVDEC0 Exception", DRV, "RESTART_APP",
     "CONTACT_SUPPORT", "RESTART_APP", 0},
    {69, "ROBUST_CHANNEL_GR_CLASS_ERROR", "Graphics Engine class error", APP,
     "RESTART_APP", "CHECK_APP/CUDA", "RESTART_APP", 0},
    {70, "ROBUST_CHANNEL_CE3_ERROR", "CE3: Unknown Error", DRV, "RESTART_APP",
     "CONTACT_SUPPORT", "RESTART_APP", 0},
    {71, "ROBUST_CHANNEL_CE4_ERROR", "CE4: Unknown Error", DRV, "RESTART_APP",
     "CONTACT_SUPPORT", "RESTART_APP", 0},
    {72, "ROBUST_CHANNEL_CE5_ERROR", "CE5: Unknown Error", DRV, "RESTART_APP",
     "CONTACT_SUPPORT", "RESTART_APP", 0},
    {74, "NVLINK_ERROR", "NVLINK Error", NVL, "WORKFLOW_NVLINK_ERR",
     "CONTACT_SUPPORT", "RESET_GPU", 0},
    {75, "ROBUST_CHANNEL_CE6_ERROR", "CE6: Unknown Error", DRV, "RESTART_APP",
     "CONTACT_SUPPORT", "RESTART_APP", 0},
    {76, "ROBUST_CHANNEL_CE7_ERROR", "CE7: Unknown Error", DRV, "RESTART_APP",
     "CONTACT_SUPPORT", "RESTART_APP", 0},
    {77, "ROBUST_CHANNEL_CE8_ERROR", "CE8: Unknown Error", DRV, "RESTART_APP",
     "CONTACT_SUPPORT", "RESTART_APP", 0},
    {78, "VGPU_START_ERROR", "vGPU Start Error", DRV, "UPDATE_SWFW",
     "UPDATE_SWFW", "UPDATE_SWFW", 0},
    {79, "ROBUST_CHANNEL_GPU_HAS_FALLEN_OFF_THE_BUS",
     "GPU has fallen off the bus", BUS, "RESTART_BM", "CONTACT_SUPPORT",
     "RESTART_BM", 0},
    {80, "PBDMA_PUSHBUFFER_CRC_MISMATCH", "Corrupted data sent to GPU", APP,
     "RESTART_APP", "CHECK_APP/CUDA", "RESTART_APP", 0},
    {82, "ROBUST_CHANNEL_NVJPG0_ERROR", "NVJPG0 Error", DRV, "RESTART_APP",
     "CONTACT_SUPPORT", "RESTART_APP", 0},
    {83, "ROBUST_CHANNEL_NVDEC1_ERROR", "NVDEC1 Error", DRV, "RESTART_APP",
     "CONTACT_SUPPORT", "RESTART_APP", 0},
    {84, "ROBUST_CHANNEL_NVDEC2_ERROR", "NVDEC2 Error", DRV, "RESTART_APP",
     "CONTACT_SUPPORT", "RESTART_APP", 0},
    {85, "ROBUST_CHANNEL_CE9_ERROR", "CE9: Unknown Error", DRV, "RESTART_APP",
     "CONTACT_SUPPORT", "RESTART_APP", 0},
    {86, "ROBUST_CHANNEL_OFA0_ERROR", "OFA Exception", DRV, "RESTART_APP",
     "CONTACT_SUPPORT", "RESTART_APP", 0},
    {88, "ROBUST_CHANNEL_NVDEC3_ERROR", "NVDEC3 Error", DRV, "RESTART_APP",
     "CONTACT_SUPPORT", "RESTART_APP", 0},
    {89, "ROBUST_CHANNEL_NVDEC4_ERROR", "NVDEC4 Error", DRV, "RESTART_APP",
     "CONTACT_SUPPORT", "RESTART_APP", 0},
    {92, "EXCESSIVE_SBE_INTERRUPTS", "High single-bit ECC error rate", MEM,
     "IGNORE", "CONTACT_SUPPORT", "IGNORE", 0},
    {93, "INFOROM_ERASE_LIMIT_EXCEEDED",
     "Non-fatal violation of provisioned InfoROM wear limit", GSP, "IGNORE",
     "CONTACT_SUPPORT", "IGNORE", 0},
    {94, "ROBUST_CHANNEL_CONTAINED_ERROR", "Contained memory error", MEM,
     "RESTART_APP", "IGNORE (sympathetic)", "RESTART_APP", 0},
    {95, "ROBUST_CHANNEL_UNCONTAINED_ERROR", "Uncontained memory error", MEM,
     "RESET_GPU", "IGNORE (sympathetic)", "RESET_GPU", 0},
    {106, "SMBPBI_TEST_MESSAGE", "SMBPBI Test Message", DRV, "IGNORE", "IGNORE",
     "IGNORE", 0},
    {107, "SMBPBI_TEST_MESSAGE_SILENT", "SMBPBI Test Message Silent", DRV,
     "IGNORE", "IGNORE", "IGNORE", 0},
    {108, "NVLINK_REMOTE_TRANSLATION_ERROR", "Unused", NVL, "IGNORE",
     "XID_137_FLOW", "IGNORE", 1},
    {109, "ROBUST_CHANNEL_CTXSW_TIMEOUT_ERROR", "Context Switch Timeout Error",
     DRV, "RESET_GPU", "CONTACT_SUPPORT", "RESET_GPU", 0},
    {110, "SEC_FAULT_ERROR", "Security Fault Error", BUS, "RESET_GPU",
     "INVESTIGATE_SW", "RESET_GPU", 0},
    {119, "GSP_RPC_TIMEOUT", "GSP RPC Timeout", GSP, "RESET_GPU",
     "INVESTIGATE_SW", "RESET_GPU", 0},
    {120, "GSP_ERROR", "GSP Error", GSP, "RESET_GPU", "INVESTIGATE_SW",
     "RESET_GPU", 0},
    {121, "C2C_ERROR",
     "C2C Error (corrected errors on the C2C NVLink to "
     "the Grace CPU)",
     NVL, "IGNORE", "CONTACT_SUPPORT", "IGNORE", 0},
    {122, "SPI_PMU_RPC_READ_FAIL", "Unused", GSP, "CONTACT_SUPPORT",
     "N/A; Unused", "CONTACT_SUPPORT", 1},
    {123, "SPI_PMU_RPC_WRITE_FAIL", "Unused", GSP, "CONTACT_SUPPORT",
     "N/A; Unused", "CONTACT_SUPPORT", 1},
    {136, "ALI_TRAINING_FAIL", "Link Training Failed", NVL, "RESET_GPU",
     "INVESTIGATE_LINK_SI", "RESET_GPU", 0},
    {137, "NVLINK_PRIV_ERR", "NVLink Privilege Error (illegal peer access)",
     APP, "IGNORE", "XID_137_FLOW", "IGNORE", 0},
    {139, "ROBUST_CHANNEL_OFA1_ERROR", "OFA1 Error", DRV, "RESTART_APP",
     "CONTACT_SUPPORT", "RESTART_APP", 0},
    {140, "UNRECOVERABLE_ECC_ERROR_ESCAPE", "ECC Unrecovered Error", MEM,
     "RESET_GPU", "CONTACT_SUPPORT", "RESET_GPU", 0},
    {141, "ROBUST_CHANNEL_FAST_PATH_ERROR", "CUDA Fast Path Error", DRV,
     "IGNORE", "CONTACT_SUPPORT", "IGNORE", 0},
    {143, "GPU_INIT_ERROR", "GPU Initialization Error", BUS, "RESET_GPU",
     "CONTACT_SUPPORT", "RESET_GPU", 0},
    {144, "NVLINK_SAW_ERROR", "NVLINK: SAW Error", NVL, "WORKFLOW_NVLINK5_ERR",
     "WORKFLOW_NVLINK5_ERR", "RESET_GPU", 0},
    {145, "NVLINK_RLW_ERROR", "NVLINK: RLW Error", NVL, "WORKFLOW_NVLINK5_ERR",
     "WORKFLOW_NVLINK5_ERR", "RESET_GPU", 0},
    {146, "NVLINK_TLW_ERROR", "NVLINK: TLW Error", NVL, "WORKFLOW_NVLINK5_ERR",
     "WORKFLOW_NVLINK5_ERR", "RESET_GPU", 0},
    {147, "NVLINK_TREX_ERROR", "NVLINK: TREX Error", NVL,
     "WORKFLOW_NVLINK5_ERR", "WORKFLOW_NVLINK5_ERR", "RESET_GPU", 0},
    {148, "NVLINK_NVLPW_CTRL_ERROR", "NVLINK: NVLPW_CTRL Error", NVL,
     "WORKFLOW_NVLINK5_ERR", "WORKFLOW_NVLINK5_ERR", "RESET_GPU", 0},
    {149, "NVLINK_NETIR_ERROR", "NVLINK: NETIR Error", NVL,
     "WORKFLOW_NVLINK5_ERR", "WORKFLOW_NVLINK5_ERR", "RESET_GPU", 0},
    {150, "NVLINK_MSE_ERROR", "NVLINK: MSE Error", NVL, "WORKFLOW_NVLINK5_ERR",
     "WORKFLOW_NVLINK5_ERR", "RESET_GPU", 0},
    {151, "ROBUST_CHANNEL_KEY_ROTATION_ERROR", "Key rotation Error", DRV,
     "RESTART_VM", "CONTACT_SUPPORT", "RESTART_VM", 0},
    {154, "GPU_RECOVERY_ACTION_CHANGED",
     "GPU Recovery Action Changed (summarises the action other Xids need)", DRV,
     "XID_154", "N/A Informational only regarding another Xid", "INVESTIGATE",
     0},
    {155, "NVLINK_SW_DEFINED_ERROR", "NVLINK: SW Defined Error", NVL,
     "RESET_GPU", "INVESTIGATE_SW_USER", "RESET_GPU", 0},
    {156, "RESOURCE_RETIREMENT_EVENT", "Resource Retirement Event", MEM,
     "RESET_GPU", "IGNORE", "RESET_GPU", 0},
    {157, "RESOURCE_RETIREMENT_FAILURE", "Resource Retirement Failure", MEM,
     "IGNORE", "CONTACT_SUPPORT", "IGNORE", 0},
    {158, "GPU_FATAL_TIMEOUT", "GPU Fatal Timeout", BUS, "RESET_GPU",
     "CONTACT_SUPPORT", "RESET_GPU", 0},
    {159, "ROBUST_CHANNEL_CHI_NON_DATA_ERROR", "CHI Non-Data Error", BUS,
     "CHECK_UVM", "SYMPATHETIC_REPORT_SOLO", "INVESTIGATE", 0},
    {160, "CHANNEL_RETIREMENT_EVENT", "Channel Retirement Event", DRV, "IGNORE",
     "INVESTIGATE_SW", "IGNORE", 0},
    {161, "CHANNEL_RETIREMENT_FAILURE", "Channel Retirement Failure", DRV,
     "IGNORE", "INVESTIGATE_SW", "IGNORE", 0},
};

static int cmp_code(const void *key, const void *row)
{
	int k = *(const int *)key, c = ((const struct xid_info *)row)->code;
	return (k > c) - (k < c);
}

const struct xid_info *xid_lookup(int code)
{
	return bsearch(&code, catalog, sizeof(catalog) / sizeof(catalog[0]),
		       sizeof(catalog[0]), cmp_code);
}

const struct xid_info *xid_catalog(size_t *n)
{
	*n = sizeof(catalog) / sizeof(catalog[0]);
	return catalog;
}

const char *xid_recovery_action(const char *message)
{
	static const struct {
		const char *name, *action;
	} map[] = {{"(None)", "IGNORE"},
		   {"(Drain P2P)", "INVESTIGATE"},
		   {"(Drain and Reset)", "RESET_GPU"},
		   {"(GPU Reset Required)", "RESET_GPU"},
		   {"(Node Reboot Required)", "RESTART_BM"}};
	const char *to = message ? strstr(message, " to 0x") : NULL;

	if (!to)
		return NULL;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strstr(to, map[i].name))
			return map[i].action;
	return NULL;
}

int xid_action_rank(const char *action)
{
	static const char *const order[] = {
	    "IGNORE",	   "RESTART_APP",	"INVESTIGATE",
	    "UPDATE_SWFW", "RESTART_VM",	"RESET_GPU",
	    "RESTART_BM",  "CHECK_MECHANICALS", "CONTACT_SUPPORT",
	    NULL};

	for (int i = 0; action && order[i]; i++)
		if (!strcmp(order[i], action))
			return i;
	return -1;
}
