"""The variable keys the program itself relies on (the words they hold live in the workbook).

Keys are what editors type in templates; this is their one home in code. Everything else about a
variable (label, help, example, choices, 文中后缀) is read from the 变量 sheet.
"""
from __future__ import annotations

UNIT_NAME = "单位名称"
UNIT_TYPE = "单位类型"
SUPERIOR = "上级党委"
INSPECTION_GROUP = "巡察组"
INSPECTION_KIND = "巡察类型"  # 巡察 | 巡视
INSPECTION_MODE = "巡察方式"  # a row of the 巡察方式 sheet
INSPECTION_FOCUS = "巡察重点"
SPEAKER_TITLE = "发言人"
SPEAKER_NAME = "发言人姓名"
SPEAKER_ROLE = "发言人身份"  # 主要负责人 | 班子成员（受委托）
FIELD_OF_WORK = "业务领域"
MEETING_DATE = "会议日期"

# Unit profile columns the rules read.
SHORT_NAME = "单位简称"
PARTY_BODY = "党组织"
WORK_SUFFIX = "事业称谓"

# Computed by server/derive.py (来源「推导」): never typed, always defined.
PARTY_BODY_KIND = "党组织类别"  # 党组 | 党委 | 党总支 | 党工委 | 党支部 | "" (县委, 区委)
WORK_NAME = "本职工作"  # 业务领域 + 事业称谓, never doubled
INSPECTION_PHRASE = "巡察称谓"  # 专项巡察, 巡视“回头看”… from the 巡察方式 sheet
COMPUTED = (PARTY_BODY_KIND, WORK_NAME, INSPECTION_PHRASE)

CORE_VARIABLES = (UNIT_NAME, UNIT_TYPE, INSPECTION_GROUP, INSPECTION_KIND)
