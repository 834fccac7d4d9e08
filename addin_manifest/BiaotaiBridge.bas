Attribute VB_Name = "BiaotaiBridge"
' 表态发言助手：Word / WPS 的 VBA 桥接模块
'
' 供不能加载任务窗格的 Word 2010/2013、没有加载项目录的 Word 2016 和 WPS 文字使用。
' 请从表态发言服务的 /bridge.bas 下载本模块：下载时服务已填好服务器地址（和访问令牌），
' 文件为 GBK 编码、CRLF 换行，直接导入即可。导入后不要另存为 UTF-8，否则中文会变成乱码。
' 安装步骤见 docs/install-bridge.md（导入 Normal.dotm、添加到快速访问工具栏、宏安全性、WPS）。
'
' 宏（英文别名供非中文系统使用）：
'   插入段落  InsertSection   从编号列表中选会议类型、部分和段落，插入到光标处
'   生成全文  GenerateSpeech  把整篇表态发言插入到光标处
'   设置变量  SetVariables    填写会议需要的变量，保存在本文档中，以后各宏直接使用
'   检查提法  CheckPhrases    把文档（或所选文字）交给服务检查，列出过时提法
'
' 只用 CreateObject（后期绑定），不需要在「工具 - 引用」中添加任何引用。
' 与服务交换的数据一律是 UTF-8：请求为表单编码（application/x-www-form-urlencoded），
' 回答为带表头的制表符分隔文本或 .docx；错误为「错误<TAB>代码<TAB>说明<TAB>字段」。
Option Explicit

' 由服务在下载时填写，请勿手工修改
Private Const SERVER_URL As String = "__BIAOTAI_SERVER__"
Private Const ACCESS_TOKEN As String = "__BIAOTAI_TOKEN__"

Private Const APP_TITLE As String = "表态发言助手"
Private Const TEXT_CHARSET As String = "utf-8"
Private Const FORM_CONTENT_TYPE As String = "application/x-www-form-urlencoded"
Private Const TOKEN_HEADER As String = "X-Biaotai-Token"
Private Const WARNINGS_HEADER As String = "X-Biaotai-Warnings"
' 文档变量：biaotai.<变量的键>，以及 biaotai.meeting（会议类型）、biaotai.style（编号样式）
Private Const VAR_PREFIX As String = "biaotai."
Private Const MEETING_KEY As String = "meeting"
Private Const STYLE_KEY As String = "style"
Private Const UNIT_TYPE_KEY As String = "单位类型"
' 超时（毫秒）：解析域名、建立连接、发送、接收
Private Const TIMEOUT_RESOLVE As Long = 5000
Private Const TIMEOUT_CONNECT As Long = 5000
Private Const TIMEOUT_SEND As Long = 30000
Private Const TIMEOUT_RECEIVE As Long = 60000
' InputBox 和 MsgBox 最多显示约 1024 个字符
Private Const MAX_PROMPT As Long = 900
Private Const MAX_LABEL As Long = 60

' 最近一次请求的结果
Private mStatus As Long
Private mBody As Variant
Private mErrorCode As String
Private mErrorMessage As String
Private mErrorField As String
Private mWarnings As String

' ================================ 宏 ================================
'@chinese-names-begin
Public Sub 插入段落()
    InsertSection
End Sub

Public Sub 生成全文()
    GenerateSpeech
End Sub

Public Sub 设置变量()
    SetVariables
End Sub

Public Sub 检查提法()
    CheckPhrases
End Sub
'@chinese-names-end

Public Sub InsertSection()
    On Error GoTo Failed
    DoInsertSection
    Exit Sub
Failed:
    ShowUnexpectedError Err.Number, Err.Description, "插入段落"
End Sub

Public Sub GenerateSpeech()
    On Error GoTo Failed
    DoGenerateSpeech
    Exit Sub
Failed:
    ShowUnexpectedError Err.Number, Err.Description, "生成全文"
End Sub

Public Sub SetVariables()
    On Error GoTo Failed
    DoSetVariables
    Exit Sub
Failed:
    ShowUnexpectedError Err.Number, Err.Description, "设置变量"
End Sub

Public Sub CheckPhrases()
    On Error GoTo Failed
    DoCheckPhrases
    Exit Sub
Failed:
    ShowUnexpectedError Err.Number, Err.Description, "检查提法"
End Sub

' ============================ 四个宏的内容 ============================

Private Sub DoInsertSection()
    Dim meeting As String
    Dim slot As String
    Dim sectionId As String
    Dim style As String
    Dim fields As String
    Dim rows As Variant
    Dim labels() As String
    Dim r As Long
    Dim choice As Long
    Dim slotCol As Long
    Dim countCol As Long
    Dim idCol As Long
    Dim headingCol As Long
    Dim previewCol As Long

    If Not DocumentReady() Then Exit Sub
    meeting = ChooseMeeting()
    If meeting = "" Then Exit Sub

    ' 部分
    If Not GetTable("/api/bridge/slots.tsv?meeting=" & UrlEncode(meeting) & "&unit_type=" & UrlEncode(GetDocVar(UNIT_TYPE_KEY)), rows) Then Exit Sub
    slotCol = ColumnIndex(rows, "slot")
    countCol = ColumnIndex(rows, "sections")
    If slotCol < 0 Or countCol < 0 Then Exit Sub
    If UBound(rows) < 1 Then
        MsgBox "会议类型「" & meeting & "」没有可插入的部分。请联系段落库编辑人员。", vbExclamation, APP_TITLE
        Exit Sub
    End If
    ReDim labels(1 To UBound(rows))
    For r = 1 To UBound(rows)
        labels(r) = Cell(rows, r, slotCol) & "（" & Cell(rows, r, countCol) & " 段可选）"
    Next r
    choice = ChooseFromList(APP_TITLE & " - 插入段落", "会议类型：" & meeting & vbCrLf & "请选择要插入的部分，输入序号：", labels, 0)
    If choice = 0 Then Exit Sub
    slot = Cell(rows, choice, slotCol)

    ' 段落（同一部分的几种写法）
    If Not GetTable("/api/bridge/sections.tsv?meeting=" & UrlEncode(meeting) & "&slot=" & UrlEncode(slot) & "&unit_type=" & UrlEncode(GetDocVar(UNIT_TYPE_KEY)), rows) Then Exit Sub
    idCol = ColumnIndex(rows, "id")
    headingCol = ColumnIndex(rows, "heading")
    previewCol = ColumnIndex(rows, "preview")
    If idCol < 0 Or headingCol < 0 Or previewCol < 0 Then Exit Sub
    If UBound(rows) < 1 Then
        MsgBox "「" & slot & "」没有适用于本单位的段落。请在「设置变量」中检查单位类型，或联系段落库编辑人员。", vbExclamation, APP_TITLE
        Exit Sub
    End If
    ReDim labels(1 To UBound(rows))
    For r = 1 To UBound(rows)
        If Cell(rows, r, headingCol) <> "" Then
            labels(r) = Cell(rows, r, headingCol) & "：" & Cell(rows, r, previewCol)
        Else
            labels(r) = Cell(rows, r, previewCol)
        End If
    Next r
    choice = ChooseFromList(APP_TITLE & " - 插入段落", "「" & slot & "」有以下写法，请输入序号：", labels, 1)
    If choice = 0 Then Exit Sub
    sectionId = Cell(rows, choice, idCol)

    fields = ""
    AddField fields, "id", sectionId
    AddField fields, "meeting", meeting
    style = GetDocVar(STYLE_KEY)
    If style <> "" Then AddField fields, "style", style
    If Not PostForDocument("/api/bridge/section.docx", meeting, fields) Then Exit Sub
    If InsertResponseDocument() Then ShowWarnings "段落已插入。"
End Sub

Private Sub DoGenerateSpeech()
    Dim meeting As String
    Dim style As String
    Dim fields As String

    If Not DocumentReady() Then Exit Sub
    meeting = ChooseMeeting()
    If meeting = "" Then Exit Sub
    fields = ""
    AddField fields, "meeting", meeting
    style = GetDocVar(STYLE_KEY)
    If style <> "" Then AddField fields, "style", style
    If Not PostForDocument("/api/bridge/speech.docx", meeting, fields) Then Exit Sub
    If InsertResponseDocument() Then ShowWarnings "全文已插入。"
End Sub

Private Sub DoSetVariables()
    Dim meeting As String

    If Not DocumentReady() Then Exit Sub
    meeting = ChooseMeeting()
    If meeting = "" Then Exit Sub
    If Not ChooseStyle(meeting) Then Exit Sub
    If AskVariables(meeting) Then
        MsgBox "变量已保存在本文档中，「插入段落」和「生成全文」会直接使用。" & vbCrLf & "需要修改时再次运行「设置变量」。", vbInformation, APP_TITLE
    End If
End Sub

Private Sub DoCheckPhrases()
    Dim content As String
    Dim scope As String
    Dim fields As String
    Dim report As String
    Dim entry As String
    Dim rows As Variant
    Dim r As Long
    Dim messageCol As Long

    If Not DocumentReady() Then Exit Sub
    If Selection.Type = 2 And Len(Selection.Text) > 1 Then
        content = Selection.Text
        scope = "所选文字"
    Else
        content = ActiveDocument.Content.Text
        scope = "全文"
    End If
    If Len(Trim$(Replace(content, vbCr, ""))) = 0 Then
        MsgBox "文档中没有可以检查的文字。", vbInformation, APP_TITLE
        Exit Sub
    End If

    fields = ""
    AddField fields, "text", content
    If Not SendRequest("POST", "/api/bridge/lint.tsv", fields, False) Then Exit Sub
    rows = ParseTable(Utf8Decode(mBody))
    messageCol = ColumnIndex(rows, "message")
    If messageCol < 0 Then Exit Sub
    If UBound(rows) < 1 Then
        MsgBox scope & "中没有发现过时提法。", vbInformation, APP_TITLE & " - 检查提法"
        Exit Sub
    End If
    report = scope & "中发现 " & UBound(rows) & " 处过时提法：" & vbCrLf
    For r = 1 To UBound(rows)
        entry = CStr(r) & ". " & Cell(rows, r, messageCol)
        If Len(report) + Len(entry) > MAX_PROMPT Then
            report = report & vbCrLf & "……（其余 " & (UBound(rows) - r + 1) & " 处从略，可选中一部分文字后分段检查）"
            Exit For
        End If
        report = report & vbCrLf & entry
    Next r
    MsgBox report, vbExclamation, APP_TITLE & " - 检查提法"
End Sub

' ============================ 选择与变量 ============================

' 从服务取会议类型并让用户选择（默认为本文档上次所选）；记入文档变量 biaotai.meeting
Private Function ChooseMeeting() As String
    Dim rows As Variant
    Dim labels() As String
    Dim r As Long
    Dim choice As Long
    Dim preset As Long
    Dim idCol As Long
    Dim nameCol As Long
    Dim stored As String
    Dim chosen As String

    If Not GetTable("/api/bridge/meetings.tsv", rows) Then Exit Function
    idCol = ColumnIndex(rows, "id")
    nameCol = ColumnIndex(rows, "name")
    If idCol < 0 Or nameCol < 0 Then Exit Function
    If UBound(rows) < 1 Then
        MsgBox "段落库中还没有会议类型。请联系段落库编辑人员。", vbExclamation, APP_TITLE
        Exit Function
    End If
    stored = GetDocVar(MEETING_KEY)
    preset = 1
    ReDim labels(1 To UBound(rows))
    For r = 1 To UBound(rows)
        labels(r) = Cell(rows, r, idCol)
        If Cell(rows, r, nameCol) <> "" And Cell(rows, r, nameCol) <> Cell(rows, r, idCol) Then
            labels(r) = labels(r) & "（" & Cell(rows, r, nameCol) & "）"
        End If
        If Cell(rows, r, idCol) = stored Then preset = r
    Next r
    choice = ChooseFromList(APP_TITLE, "请选择会议类型，输入序号：", labels, preset)
    If choice = 0 Then Exit Function
    chosen = Cell(rows, choice, idCol)
    SetDocVar MEETING_KEY, chosen
    ChooseMeeting = chosen
End Function

' 编号样式（一是 / 一、 / 第一）；记入文档变量 biaotai.style
Private Function ChooseStyle(ByVal meeting As String) As Boolean
    Dim rows As Variant
    Dim labels() As String
    Dim r As Long
    Dim choice As Long
    Dim preset As Long
    Dim styleCol As Long
    Dim defaultCol As Long
    Dim stored As String

    If Not GetTable("/api/bridge/styles.tsv?meeting=" & UrlEncode(meeting), rows) Then Exit Function
    styleCol = ColumnIndex(rows, "style")
    defaultCol = ColumnIndex(rows, "default")
    If styleCol < 0 Or defaultCol < 0 Then Exit Function
    If UBound(rows) < 1 Then
        ChooseStyle = True
        Exit Function
    End If
    stored = GetDocVar(STYLE_KEY)
    ReDim labels(1 To UBound(rows))
    For r = 1 To UBound(rows)
        labels(r) = Cell(rows, r, styleCol)
        If Cell(rows, r, defaultCol) = "1" Then
            labels(r) = labels(r) & "（本会议类型默认）"
            If preset = 0 Then preset = r
        End If
    Next r
    For r = 1 To UBound(rows)
        If Cell(rows, r, styleCol) = stored Then preset = r
    Next r
    choice = ChooseFromList(APP_TITLE & " - 编号样式", "要点的编号样式，输入序号：", labels, preset)
    If choice = 0 Then Exit Function
    SetDocVar STYLE_KEY, Cell(rows, choice, styleCol)
    ChooseStyle = True
End Function

' 逐个询问会议需要的变量（由单位类型推导的不问），存入文档变量；取消时返回 False
Private Function AskVariables(ByVal meeting As String) As Boolean
    Dim rows As Variant
    Dim r As Long
    Dim asked As Long
    Dim total As Long
    Dim keyCol As Long
    Dim labelCol As Long
    Dim requiredCol As Long
    Dim derivedCol As Long
    Dim exampleCol As Long
    Dim helpCol As Long
    Dim choicesCol As Long
    Dim key As String
    Dim prompt As String
    Dim answer As String
    Dim missing As String

    If Not GetTable("/api/bridge/variables.tsv?meeting=" & UrlEncode(meeting), rows) Then Exit Function
    keyCol = ColumnIndex(rows, "key")
    labelCol = ColumnIndex(rows, "label")
    requiredCol = ColumnIndex(rows, "required")
    derivedCol = ColumnIndex(rows, "derived")
    exampleCol = ColumnIndex(rows, "example")
    helpCol = ColumnIndex(rows, "help")
    choicesCol = ColumnIndex(rows, "choices")
    If keyCol < 0 Or labelCol < 0 Or requiredCol < 0 Or derivedCol < 0 Or exampleCol < 0 Or helpCol < 0 Or choicesCol < 0 Then Exit Function
    For r = 1 To UBound(rows)
        If Cell(rows, r, derivedCol) <> "1" Then total = total + 1
    Next r
    For r = 1 To UBound(rows)
        If Cell(rows, r, derivedCol) <> "1" Then
            asked = asked + 1
            key = Cell(rows, r, keyCol)
            prompt = Cell(rows, r, labelCol)
            If Cell(rows, r, requiredCol) = "1" Then
                prompt = prompt & "（必填）"
            Else
                prompt = prompt & "（可不填）"
            End If
            If Cell(rows, r, helpCol) <> "" Then prompt = prompt & vbCrLf & Shorten(Cell(rows, r, helpCol), 200)
            If Cell(rows, r, choicesCol) <> "" Then prompt = prompt & vbCrLf & "可选：" & Shorten(Cell(rows, r, choicesCol), 300)
            If Cell(rows, r, exampleCol) <> "" Then prompt = prompt & vbCrLf & "例如：" & Shorten(Cell(rows, r, exampleCol), 200)
            answer = InputBox(prompt, APP_TITLE & " - 设置变量（" & asked & "/" & total & "）", GetDocVar(key))
            If StrPtr(answer) = 0 Then
                MsgBox "已停止设置变量。前面填写的变量已经保存。", vbInformation, APP_TITLE
                Exit Function
            End If
            answer = Trim$(answer)
            SetDocVar key, answer
            If answer = "" And Cell(rows, r, requiredCol) = "1" Then
                If missing <> "" Then missing = missing & "、"
                missing = missing & Cell(rows, r, labelCol)
            End If
        End If
    Next r
    If missing <> "" Then
        MsgBox "以下必填的变量还没有填写：" & missing & vbCrLf & "生成时服务会提示缺少哪一项。", vbExclamation, APP_TITLE
    End If
    AskVariables = True
End Function

' 把文档中保存的、该会议类型需要的变量加入表单（v.<键>=值）
Private Function AddVariableFields(ByRef fields As String, ByVal meeting As String) As Boolean
    Dim rows As Variant
    Dim r As Long
    Dim keyCol As Long
    Dim key As String
    Dim stored As String

    If Not GetTable("/api/bridge/variables.tsv?meeting=" & UrlEncode(meeting), rows) Then Exit Function
    keyCol = ColumnIndex(rows, "key")
    If keyCol < 0 Then Exit Function
    For r = 1 To UBound(rows)
        key = Cell(rows, r, keyCol)
        stored = GetDocVar(key)
        If stored <> "" Then AddField fields, "v." & key, stored
    Next r
    AddVariableFields = True
End Function

' 发送表单并取回 .docx；缺少或填错变量时询问是否现在设置变量，然后再试一次
Private Function PostForDocument(ByVal path As String, ByVal meeting As String, ByVal fields As String) As Boolean
    Dim form As String
    Dim attempt As Long

    For attempt = 1 To 2
        form = fields
        If Not AddVariableFields(form, meeting) Then Exit Function
        If SendRequest("POST", path, form, True) Then
            PostForDocument = True
            Exit Function
        End If
        If mStatus = 0 Then Exit Function
        If attempt = 2 Or mErrorCode <> "invalid_variable" Then
            ShowRequestError
            Exit Function
        End If
        If MsgBox(mErrorMessage & vbCrLf & vbCrLf & "是否现在填写本文档的变量？", vbYesNo + vbQuestion, APP_TITLE) <> vbYes Then Exit Function
        If Not AskVariables(meeting) Then Exit Function
    Next attempt
End Function

' 编号列表：InputBox 输入序号，返回 1..项数；取消返回 0。列表太长时分页（直接按确定看下一页）
Private Function ChooseFromList(ByVal caption As String, ByVal intro As String, ByRef labels() As String, ByVal preset As Long) As Long
    Dim total As Long
    Dim first As Long
    Dim last As Long
    Dim prompt As String
    Dim entry As String
    Dim answer As String
    Dim suggestion As String
    Dim digit As Long
    Dim chosen As Long

    total = UBound(labels)
    If total = 1 And preset = 1 Then
        ChooseFromList = 1
        Exit Function
    End If
    first = 1
    Do
        prompt = intro & vbCrLf
        last = first - 1
        Do While last < total
            entry = CStr(last + 1) & ". " & Shorten(labels(last + 1), MAX_LABEL)
            If last >= first And Len(prompt) + Len(entry) > MAX_PROMPT - 80 Then Exit Do
            prompt = prompt & vbCrLf & entry
            last = last + 1
        Loop
        If first > 1 Or last < total Then
            prompt = prompt & vbCrLf & vbCrLf & "（第 " & first & " 至 " & last & " 项，共 " & total & " 项；不输入直接按确定查看其他项）"
        End If
        suggestion = ""
        If preset >= first And preset <= last Then suggestion = CStr(preset)
        answer = InputBox(prompt, caption, suggestion)
        If StrPtr(answer) = 0 Then Exit Function
        For digit = 0 To 9
            answer = Replace(answer, ChrW(&HFF10& + digit), CStr(digit))
        Next digit
        answer = Trim$(answer)
        If answer = "" Then
            If first > 1 Or last < total Then
                first = last + 1
                If first > total Then first = 1
            End If
        ElseIf Len(answer) <= 6 And Not (answer Like "*[!0-9]*") Then
            chosen = CLng(answer)
            If chosen >= 1 And chosen <= total Then
                ChooseFromList = chosen
                Exit Function
            End If
            MsgBox "请输入 1 到 " & total & " 之间的序号。", vbExclamation, caption
        Else
            MsgBox "请输入序号（1 到 " & total & " 之间的数字）。", vbExclamation, caption
        End If
    Loop
End Function

' ============================ 文档 ============================

Private Function DocumentReady() As Boolean
    If InStr(SERVER_URL, "://") = 0 Then
        MsgBox "本宏模块还没有填写服务器地址。" & vbCrLf & "请在浏览器中打开表态发言服务的 /bridge.bas 下载已填好地址的模块，按安装说明重新导入。", vbCritical, APP_TITLE
        Exit Function
    End If
    If Documents.Count = 0 Then
        MsgBox "请先打开或新建一个文档，把光标放在要插入的位置。", vbExclamation, APP_TITLE
        Exit Function
    End If
    DocumentReady = True
End Function

Private Function GetDocVar(ByVal key As String) As String
    Dim stored As String
    On Error Resume Next
    stored = ActiveDocument.Variables(VAR_PREFIX & key).Value
    If Err.Number <> 0 Then stored = ""
    On Error GoTo 0
    GetDocVar = stored
End Function

Private Sub SetDocVar(ByVal key As String, ByVal newValue As String)
    On Error Resume Next
    ActiveDocument.Variables(VAR_PREFIX & key).Delete
    On Error GoTo 0
    If newValue <> "" Then ActiveDocument.Variables.Add VAR_PREFIX & key, newValue
End Sub

' 把最近一次回答（.docx）存为临时文件，插入到光标处，再删除临时文件
Private Function InsertResponseDocument() As Boolean
    Dim stream As Object
    Dim target As Object
    Dim tempPath As String
    Dim tail As Long
    Dim errNumber As Long
    Dim errText As String

    On Error GoTo Failed
    tempPath = TempFileName()
    Set stream = CreateObject("ADODB.Stream")
    stream.Type = 1
    stream.Open
    stream.Write mBody
    stream.SaveToFile tempPath, 2
    stream.Close
    Set target = Selection.Range
    target.Collapse 0
    If target.StoryType = 1 Then
        ' 正文中：插入后把光标放到插入内容之后，下一次插入接着往下写
        tail = ActiveDocument.Content.End - target.End
        target.InsertFile tempPath
        ActiveDocument.Range(ActiveDocument.Content.End - tail, ActiveDocument.Content.End - tail).Select
    Else
        target.InsertFile tempPath
    End If
    InsertResponseDocument = True
Cleanup:
    On Error Resume Next
    If tempPath <> "" Then Kill tempPath
    Exit Function
Failed:
    errNumber = Err.Number
    errText = Err.Description
    MsgBox "无法在光标处插入服务生成的文档：" & errText & "（错误 " & errNumber & "）" & vbCrLf & vbCrLf & "请确认文档没有被保护、不是只读，光标不在页眉页脚或文本框中，然后重试。", vbExclamation, APP_TITLE
    Resume Cleanup
End Function

Private Function TempFileName() As String
    Dim folder As String
    folder = Environ$("TEMP")
    If folder = "" Then folder = Environ$("TMP")
    If folder = "" Then folder = CurDir$()
    If Right$(folder, 1) <> "\" Then folder = folder & "\"
    TempFileName = folder & "biaotai_" & Format$(Now, "yyyymmdd_hhnnss") & "_" & CStr(Int(Timer * 100)) & ".docx"
End Function

Private Sub ShowWarnings(ByVal done As String)
    If mWarnings = "" Then Exit Sub
    MsgBox done & vbCrLf & vbCrLf & "请注意：" & vbCrLf & Shorten(mWarnings, MAX_PROMPT), vbExclamation, APP_TITLE
End Sub

' ============================ 与服务通信 ============================

Private Function ServerUrl() As String
    Dim base As String
    base = SERVER_URL
    If Right$(base, 1) = "/" Then base = Left$(base, Len(base) - 1)
    ServerUrl = base
End Function

Private Function AccessToken() As String
    If Left$(ACCESS_TOKEN, 9) <> "__BIAOTAI" Then AccessToken = ACCESS_TOKEN
End Function

' GET 一个制表符分隔的列表：rows(0) 是表头，rows(1..) 是各行（每行是 Split 得到的数组）
Private Function GetTable(ByVal path As String, ByRef rows As Variant) As Boolean
    If Not SendRequest("GET", path, "", False) Then Exit Function
    rows = ParseTable(Utf8Decode(mBody))
    GetTable = True
End Function

' 发出请求。成功（HTTP 200）返回 True，回答在 mBody；网络故障总是提示；
' HTTP 错误在 quiet 为 False 时提示，否则留给调用者（mStatus、mErrorCode、mErrorMessage、mErrorField）
Private Function SendRequest(ByVal method As String, ByVal path As String, ByVal form As String, ByVal quiet As Boolean) As Boolean
    Dim http As Object
    Dim url As String
    Dim warnings As String
    Dim errNumber As Long
    Dim errText As String

    mStatus = 0
    mBody = Empty
    mErrorCode = ""
    mErrorMessage = ""
    mErrorField = ""
    mWarnings = ""
    url = ServerUrl() & path
    On Error GoTo NetworkFailed
    Set http = CreateObject("MSXML2.ServerXMLHTTP.6.0")
    http.setTimeouts TIMEOUT_RESOLVE, TIMEOUT_CONNECT, TIMEOUT_SEND, TIMEOUT_RECEIVE
    http.Open method, url, False
    If AccessToken() <> "" Then http.setRequestHeader TOKEN_HEADER, AccessToken()
    If method = "POST" Then
        http.setRequestHeader "Content-Type", FORM_CONTENT_TYPE
        http.send form
    Else
        http.send
    End If
    mStatus = http.Status
    mBody = http.responseBody
    warnings = ResponseHeader(http, WARNINGS_HEADER)
    On Error GoTo 0
    mWarnings = PercentDecode(warnings)
    If mStatus = 200 Then
        SendRequest = True
        Exit Function
    End If
    ReadError
    If Not quiet Then ShowRequestError
    Exit Function
NetworkFailed:
    errNumber = Err.Number
    errText = Err.Description
    mStatus = 0
    ShowNetworkError errNumber, errText
End Function

Private Function ResponseHeader(ByVal http As Object, ByVal headerName As String) As String
    On Error Resume Next
    ResponseHeader = http.getResponseHeader(headerName)
    On Error GoTo 0
End Function

' 错误回答：第一行 错误<TAB>代码<TAB>说明<TAB>字段，之后每个问题一行 问题<TAB>error|warning<TAB>说明<TAB>字段
Private Sub ReadError()
    Dim lines As Variant
    Dim parts As Variant
    Dim i As Long

    lines = Split(Replace(Utf8Decode(mBody), vbCr, ""), vbLf)
    If UBound(lines) < 0 Then Exit Sub
    parts = Split(lines(0), vbTab)
    If UBound(parts) < 2 Then Exit Sub
    mErrorCode = parts(1)
    mErrorMessage = parts(2)
    If UBound(parts) >= 3 Then mErrorField = parts(3)
    ' 其余的错误（例如同时缺少几个变量）一并列出
    For i = 1 To UBound(lines)
        parts = Split(lines(i), vbTab)
        If UBound(parts) >= 2 Then
            If parts(1) = "error" And parts(2) <> mErrorMessage And Len(mErrorMessage) + Len(parts(2)) < MAX_PROMPT - 200 Then
                mErrorMessage = mErrorMessage & vbCrLf & parts(2)
            End If
        End If
    Next i
End Sub

Private Sub ShowRequestError()
    Dim advice As String
    Dim shown As String

    Select Case mStatus
        Case 401
            advice = "请向管理员索取访问令牌，从 " & ServerUrl() & "/bridge.bas?token=令牌 重新下载宏模块并导入。"
        Case 404, 405
            advice = "本宏模块与服务的版本不一致。请从 " & ServerUrl() & "/bridge.bas 重新下载宏模块并导入。"
        Case 409
            advice = "段落库中的内容有误，请联系段落库编辑人员修改后再试。"
        Case 413
            advice = "发送的文字太多。检查提法时可以先选中一部分文字，再运行「检查提法」。"
        Case 503
            advice = "服务暂时无法使用段落库，请稍后重试或联系管理员。"
        Case Is >= 500
            advice = "服务出错了。请稍后重试；如果一直出现，请联系管理员查看服务日志。"
        Case Else
            advice = "请按提示修改后重试。"
    End Select
    shown = mErrorMessage
    If shown = "" Then shown = "服务返回了错误（HTTP " & mStatus & "）。"
    MsgBox shown & vbCrLf & vbCrLf & advice, vbExclamation, APP_TITLE
End Sub

Private Sub ShowNetworkError(ByVal errNumber As Long, ByVal errText As String)
    Dim reason As String

    Select Case errNumber
        Case &H80072EE2
            reason = "连接表态发言服务超时。请稍后重试；如果一直超时，请联系管理员检查服务。"
        Case &H80072EFD, &H80072EFE, &H80072F78
            reason = "无法连接到表态发言服务（" & ServerUrl() & "）。请确认服务已经启动、本机网络正常（可以在浏览器中打开 " & ServerUrl() & "/api/health 试试），或联系管理员。"
        Case &H80072EE7
            reason = "找不到服务器（" & ServerUrl() & "）。请检查网络连接；服务器地址变了时，请从新地址的 /bridge.bas 重新下载宏模块。"
        Case &H80072F0D, &H80072F06, &H80072F05, &H80072F8F, &H80072F7D
            reason = "本机不信任表态发言服务的安全证书。请按安装说明在 Windows 中信任服务的证书（与 Word 加载项相同），然后重试。"
        Case 429
            reason = "本机无法创建所需的系统组件（MSXML2.ServerXMLHTTP.6.0 或 ADODB.Stream）。请联系管理员安装 MSXML 6.0；WPS 请安装 VBA 环境。"
        Case Else
            reason = "访问表态发言服务（" & ServerUrl() & "）失败。请检查网络后重试，或联系管理员。"
    End Select
    MsgBox reason & vbCrLf & vbCrLf & "（错误 " & errNumber & "：" & errText & "）", vbCritical, APP_TITLE
End Sub

Private Sub ShowUnexpectedError(ByVal errNumber As Long, ByVal errText As String, ByVal macroName As String)
    If errNumber = 429 Then
        ShowNetworkError errNumber, errText
        Exit Sub
    End If
    MsgBox "「" & macroName & "」没有完成：" & errText & "（错误 " & errNumber & "）" & vbCrLf & vbCrLf & "请重试；如果一直出现，请把这条信息告诉管理员。", vbCritical, APP_TITLE
End Sub

' ============================ 编码 ============================

' 表单字段：名称和值分别按 UTF-8 百分号编码
Private Sub AddField(ByRef form As String, ByVal fieldName As String, ByVal fieldValue As String)
    If form <> "" Then form = form & "&"
    form = form & UrlEncode(fieldName) & "=" & UrlEncode(fieldValue)
End Sub

' UTF-8 字节中 A-Z a-z 0-9 - . _ ~ 原样保留，其余写成 %XX（大写十六进制）
Private Function UrlEncode(ByVal content As String) As String
    Dim bytes As Variant
    Dim buffer As String
    Dim i As Long
    Dim b As Long
    Dim pos As Long

    If content = "" Then Exit Function
    bytes = Utf8Bytes(content)
    buffer = Space$(3 * (UBound(bytes) - LBound(bytes) + 1))
    pos = 1
    For i = LBound(bytes) To UBound(bytes)
        b = bytes(i)
        If (b >= 65 And b <= 90) Or (b >= 97 And b <= 122) Or (b >= 48 And b <= 57) Or b = 45 Or b = 46 Or b = 95 Or b = 126 Then
            Mid(buffer, pos, 1) = Chr$(b)
            pos = pos + 1
        Else
            Mid(buffer, pos, 3) = "%" & Right$("0" & Hex$(b), 2)
            pos = pos + 3
        End If
    Next i
    UrlEncode = Left$(buffer, pos - 1)
End Function

' %XX 编码的 UTF-8（服务在 X-Biaotai-Warnings 中这样传提示）还原为文字
Private Function PercentDecode(ByVal encoded As String) As String
    Dim bytes() As Byte
    Dim total As Long
    Dim i As Long

    If encoded = "" Then Exit Function
    ReDim bytes(0 To Len(encoded) - 1)
    i = 1
    Do While i <= Len(encoded)
        If Mid$(encoded, i, 1) = "%" And i + 2 <= Len(encoded) Then
            bytes(total) = CByte(CLng("&H" & Mid$(encoded, i + 1, 2)))
            i = i + 3
        Else
            bytes(total) = CByte(Asc(Mid$(encoded, i, 1)) And 255)
            i = i + 1
        End If
        total = total + 1
    Loop
    ReDim Preserve bytes(0 To total - 1)
    PercentDecode = Utf8Decode(bytes)
End Function

' 文字 -> UTF-8 字节（不带 ADODB.Stream 写在开头的字节顺序标记）
Private Function Utf8Bytes(ByVal content As String) As Variant
    Dim stream As Object
    Set stream = CreateObject("ADODB.Stream")
    stream.Type = 2
    stream.Charset = TEXT_CHARSET
    stream.Open
    stream.WriteText content
    stream.Position = 0
    stream.Type = 1
    stream.Position = 3
    Utf8Bytes = stream.Read
    stream.Close
End Function

' UTF-8 字节 -> 文字
Private Function Utf8Decode(ByVal bytes As Variant) As String
    Dim stream As Object
    Dim upper As Long

    If Not IsArray(bytes) Then Exit Function
    On Error Resume Next
    upper = -1
    upper = UBound(bytes)
    On Error GoTo 0
    If upper < 0 Then Exit Function
    Set stream = CreateObject("ADODB.Stream")
    stream.Type = 1
    stream.Open
    stream.Write bytes
    stream.Position = 0
    stream.Type = 2
    stream.Charset = TEXT_CHARSET
    Utf8Decode = stream.ReadText
    stream.Close
End Function

' 制表符分隔的文字 -> 行的数组（去掉回车，按换行分行，按制表符分列，跳过空行）
Private Function ParseTable(ByVal content As String) As Variant
    Dim lines As Variant
    Dim rows() As Variant
    Dim total As Long
    Dim i As Long

    lines = Split(Replace(content, vbCr, ""), vbLf)
    ReDim rows(0 To UBound(lines) + 1)
    For i = 0 To UBound(lines)
        If lines(i) <> "" Then
            rows(total) = Split(lines(i), vbTab)
            total = total + 1
        End If
    Next i
    If total = 0 Then
        rows(0) = Split("", vbTab)
        total = 1
    End If
    ReDim Preserve rows(0 To total - 1)
    ParseTable = rows
End Function

' 表头中某一列的位置；没有这一列时提示重新下载模块并返回 -1
Private Function ColumnIndex(ByRef rows As Variant, ByVal columnName As String) As Long
    Dim header As Variant
    Dim i As Long

    header = rows(0)
    For i = LBound(header) To UBound(header)
        If header(i) = columnName Then
            ColumnIndex = i
            Exit Function
        End If
    Next i
    ColumnIndex = -1
    MsgBox "服务返回的列表中没有「" & columnName & "」一列：本宏模块与服务的版本不一致。" & vbCrLf & "请从 " & ServerUrl() & "/bridge.bas 重新下载宏模块并导入。", vbCritical, APP_TITLE
End Function

Private Function Cell(ByRef rows As Variant, ByVal rowIndex As Long, ByVal col As Long) As String
    Dim values As Variant
    If col < 0 Or rowIndex > UBound(rows) Then Exit Function
    values = rows(rowIndex)
    If col > UBound(values) Then Exit Function
    Cell = values(col)
End Function

Private Function Shorten(ByVal content As String, ByVal limit As Long) As String
    If Len(content) > limit Then
        Shorten = Left$(content, limit - 1) & "…"
    Else
        Shorten = content
    End If
End Function
