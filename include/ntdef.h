/* SPDX-License-Identifier: MIT */
/**
 * @file
 * The Windows kernel base types a NetAdapterCx client driver uses, for C and C++ on Linux:
 * integer and string types, NTSTATUS and its values, NT_SUCCESS, and the SAL annotations
 * (which expand to nothing here). WCHAR is wchar_t, so L"..." literals work as on Windows.
 */
#ifndef NETCX_NTDEF_H
#define NETCX_NTDEF_H

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#ifdef __cplusplus
#define NETCX_EXTERN_C_BEGIN extern "C" {
#define NETCX_EXTERN_C_END }
#else
#define NETCX_EXTERN_C_BEGIN
#define NETCX_EXTERN_C_END
#endif

/* Casts in macros: C++ code built with -Wold-style-cast includes these headers too. */
#ifdef __cplusplus
#define NETCX_CAST(T, v) (static_cast<T>(v))
#define NETCX_CONST_CAST(T, v) (const_cast<T>(v))
#define NETCX_REINTERPRET_CAST(T, v) (reinterpret_cast<T>(v))
#else
#define NETCX_CAST(T, v) ((T)(v))
#define NETCX_CONST_CAST(T, v) ((T)(v))
#define NETCX_REINTERPRET_CAST(T, v) ((T)(v))
#endif

NETCX_EXTERN_C_BEGIN

typedef void VOID, *PVOID;
typedef const void* PCVOID;
typedef char CHAR, *PCHAR;
typedef unsigned char UCHAR, *PUCHAR;
typedef uint8_t UINT8, BYTE, *PUINT8;
typedef int16_t SHORT;
typedef uint16_t USHORT, UINT16, WORD, *PUSHORT, *PUINT16;
typedef int32_t LONG, INT32, *PLONG;
typedef uint32_t ULONG, UINT32, DWORD, *PULONG, *PUINT32;
typedef int64_t LONGLONG, LONG64, INT64;
typedef uint64_t ULONGLONG, ULONG64, UINT64, *PULONG64, *PUINT64;
typedef size_t SIZE_T, *PSIZE_T;
typedef uintptr_t ULONG_PTR;
typedef intptr_t LONG_PTR;
typedef unsigned char BOOLEAN, *PBOOLEAN;
typedef int BOOL;
typedef wchar_t WCHAR, *PWCHAR, *PWCH, *PWSTR;
typedef const wchar_t *PCWCH, *PCWSTR;
typedef const char* PCSTR;
typedef LONG NTSTATUS;
typedef UCHAR KIRQL;

#ifndef TRUE
#define TRUE 1
#define FALSE 0
#endif

typedef union _LARGE_INTEGER {
    __extension__ struct {
        ULONG LowPart;
        LONG HighPart;
    };
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER, PHYSICAL_ADDRESS, *PPHYSICAL_ADDRESS;

typedef struct _UNICODE_STRING {
    USHORT Length;        /* bytes, without a terminator */
    USHORT MaximumLength; /* bytes */
    PWCH Buffer;
} UNICODE_STRING, *PUNICODE_STRING;
typedef const UNICODE_STRING* PCUNICODE_STRING;

#define DECLARE_CONST_UNICODE_STRING(name, literal)                                                \
    const UNICODE_STRING name = {sizeof(literal) - sizeof(WCHAR), sizeof(literal),                 \
                                 NETCX_CONST_CAST(PWCH, literal)}

void RtlInitUnicodeString(PUNICODE_STRING Destination, PCWSTR Source);

/* NTSTATUS values, as on Windows. */
#define STATUS_SUCCESS NETCX_CAST(NTSTATUS, 0x00000000L)
#define STATUS_PENDING NETCX_CAST(NTSTATUS, 0x00000103L)
#define STATUS_UNSUCCESSFUL NETCX_CAST(NTSTATUS, 0xC0000001L)
#define STATUS_NOT_IMPLEMENTED NETCX_CAST(NTSTATUS, 0xC0000002L)
#define STATUS_INVALID_HANDLE NETCX_CAST(NTSTATUS, 0xC0000008L)
#define STATUS_INVALID_PARAMETER NETCX_CAST(NTSTATUS, 0xC000000DL)
#define STATUS_NO_MEMORY NETCX_CAST(NTSTATUS, 0xC0000017L)
#define STATUS_ACCESS_DENIED NETCX_CAST(NTSTATUS, 0xC0000022L)
#define STATUS_BUFFER_TOO_SMALL NETCX_CAST(NTSTATUS, 0xC0000023L)
#define STATUS_OBJECT_TYPE_MISMATCH NETCX_CAST(NTSTATUS, 0xC0000024L)
#define STATUS_OBJECT_NAME_NOT_FOUND NETCX_CAST(NTSTATUS, 0xC0000034L)
#define STATUS_INSUFFICIENT_RESOURCES NETCX_CAST(NTSTATUS, 0xC000009AL)
#define STATUS_DEVICE_NOT_READY NETCX_CAST(NTSTATUS, 0xC00000A3L)
#define STATUS_NOT_SUPPORTED NETCX_CAST(NTSTATUS, 0xC00000BBL)
#define STATUS_INVALID_PARAMETER_1 NETCX_CAST(NTSTATUS, 0xC00000EFL)
#define STATUS_INVALID_PARAMETER_2 NETCX_CAST(NTSTATUS, 0xC00000F0L)
#define STATUS_INVALID_PARAMETER_3 NETCX_CAST(NTSTATUS, 0xC00000F1L)
#define STATUS_INVALID_PARAMETER_4 NETCX_CAST(NTSTATUS, 0xC00000F2L)
#define STATUS_INVALID_DEVICE_REQUEST NETCX_CAST(NTSTATUS, 0xC0000010L)
#define STATUS_INVALID_DEVICE_STATE NETCX_CAST(NTSTATUS, 0xC0000184L)
#define STATUS_INTEGER_OVERFLOW NETCX_CAST(NTSTATUS, 0xC0000095L)
#define STATUS_NOT_FOUND NETCX_CAST(NTSTATUS, 0xC0000225L)
#define STATUS_INFO_LENGTH_MISMATCH NETCX_CAST(NTSTATUS, 0xC0000004L)
#define STATUS_DRIVER_ENTRYPOINT_NOT_FOUND NETCX_CAST(NTSTATUS, 0xC0000263L)
#define STATUS_DRIVER_UNABLE_TO_LOAD NETCX_CAST(NTSTATUS, 0xC000026CL)
#define STATUS_DEVICE_CONFIGURATION_ERROR NETCX_CAST(NTSTATUS, 0xC0000182L)

#define NT_SUCCESS(Status) (NETCX_CAST(NTSTATUS, Status) >= 0)

/* IRQLs: netcx has none, but drivers name them in annotations and asserts. */
#define PASSIVE_LEVEL 0
#define APC_LEVEL 1
#define DISPATCH_LEVEL 2

/* SAL annotations and code-placement markers compile away. */
#define _In_
#define _In_opt_
#define _Out_
#define _Out_opt_
#define _Inout_
#define _Inout_opt_
#define _In_reads_(n)
#define _In_reads_bytes_(n)
#define _Out_writes_(n)
#define _Out_writes_bytes_(n)
#define _Out_writes_bytes_to_(n, m)
#define _Outptr_
#define _Outptr_opt_
#define _Must_inspect_result_
#define _Use_decl_annotations_
#define _IRQL_requires_(x)
#define _IRQL_requires_max_(x)
#define _IRQL_requires_same_
#define _Function_class_(x)
#define _Requires_lock_held_(x)
#define _When_(a, b)
#define _Success_(x)
#define _Check_return_
#define _Field_size_(x)
#define _Field_size_bytes_(x)
#define _Analysis_assume_(x)
#define UNREFERENCED_PARAMETER(P) ((void)(P))
#define PAGED_CODE()
#define NTAPI
#define NTSYSAPI
#define FORCEINLINE static inline
#define INIT_SECTION
#define PAGED

#ifndef ARRAYSIZE
#define ARRAYSIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#define RtlZeroMemory(d, n) memset((d), 0, (n))
#define RtlCopyMemory(d, s, n) memcpy((d), (s), (n))
#define RtlFillMemory(d, n, f) memset((d), (f), (n))

NETCX_EXTERN_C_END

#include <string.h>

#endif /* NETCX_NTDEF_H */
