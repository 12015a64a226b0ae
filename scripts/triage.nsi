; The Windows installer (`make windows`), built with Debian's makensis.
; Tauri's own NSIS bundler downloads a plugin DLL from GitHub while it runs,
; which this machine cannot reach; this script needs only NSIS itself.
; Installs for the current user (no administrator prompt), as Tauri's does:
; the app, the `triage` CLI, the explorer and the demo's digits, a Start
; menu entry and an entry in Apps & features with its uninstaller.
; makensis -DVERSION=… -DBIN=<folder with the .exe files> -DROOT=<repo> -DOUTFILE=…

; A 64-bit installer for the 64-bit app (Wine without its 32-bit half runs
; it too).
Target amd64-unicode
SetCompressor /SOLID lzma
!include "MUI2.nsh"

!define APP "Triage"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP}"

Name "${APP}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${APP}"
InstallDirRegKey HKCU "Software\${APP}" "InstallDir"
RequestExecutionLevel user
Icon "${ROOT}\src-tauri\icons\icon.ico"
UninstallIcon "${ROOT}\src-tauri\icons\icon.ico"
VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${APP}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${APP} installer"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "LegalCopyright" "The Triage authors, MIT or Apache-2.0"

!define MUI_ICON "${ROOT}\src-tauri\icons\icon.ico"
!define MUI_UNICON "${ROOT}\src-tauri\icons\icon.ico"
!define MUI_FINISHPAGE_RUN "$INSTDIR\triage-desktop.exe"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Section "Triage"
  SetOutPath "$INSTDIR"
  File "${BIN}\triage-desktop.exe"
  File "${BIN}\triage.exe"
  File "${BIN}\triage-explore.exe"
  ; The app offers the demo from here (Tauri's resource folder is the app's).
  SetOutPath "$INSTDIR\datasets\digits"
  File /r "${ROOT}\datasets\digits\*.*"
  SetOutPath "$INSTDIR"
  CreateShortcut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\triage-desktop.exe"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKCU "Software\${APP}" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\triage-desktop.exe"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

; Takes away what the installer put there and nothing else: projects, the
; models' registry and the logs in %APPDATA%\triage stay.
Section "Uninstall"
  Delete "$INSTDIR\triage-desktop.exe"
  Delete "$INSTDIR\triage.exe"
  Delete "$INSTDIR\triage-explore.exe"
  RMDir /r "$INSTDIR\datasets"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\${APP}.lnk"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  DeleteRegKey HKCU "Software\${APP}"
SectionEnd
