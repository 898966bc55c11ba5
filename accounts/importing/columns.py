"""The customer import's columns: headers and their aliases, value spellings, rules between headers."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import (
    BuyingRole,
    CustomerLevel,
    CustomerSource,
    DepartmentKind,
    Industry,
)
from accounts.importing.layout import Column, ColumnSet

COLUMNS: tuple[Column, ...] = (
    Column(
        "name",
        "客户名称",
        "Customer name",
        ("客户", "客户名", "公司名称", "公司", "企业名称", "单位名称", "name", "customer", "company", "company name"),
        required=True,
        hint=gettext_lazy("Required. Rows with the same credit code, or else the same name, are one customer."),
    ),
    Column(
        "credit_code",
        "统一社会信用代码",
        "Unified social credit code",
        ("信用代码", "社会信用代码", "税号", "credit code", "uscc"),
        hint=gettext_lazy("18 characters, checked with its check digit."),
    ),
    Column(
        "industry",
        "行业",
        "Industry",
        ("所属行业",),
        hint=gettext_lazy("A GB/T 4754 section name or letter, e.g. 制造业 or C."),
    ),
    Column(
        "level",
        "客户级别",
        "Level",
        ("级别", "客户等级", "customer level"),
        hint=gettext_lazy("重点 / 普通 / 非优先 (or A / B / C); empty means 普通."),
    ),
    Column("source", "客户来源", "Source", ("来源", "customer source")),
    Column(
        "region",
        "地区",
        "Region",
        ("省市区", "省-市-区", "所在地区", "所在地", "区域"),
        hint=gettext_lazy("One column “省-市-区”, e.g. 浙江省-杭州市-西湖区; or use 省份, 城市, 区县."),
    ),
    Column(
        "province",
        "省份",
        "Province",
        ("省",),
        in_template=False,
        hint=gettext_lazy("Name or 6-digit code; instead of 地区."),
    ),
    Column(
        "city", "城市", "City", ("市",), in_template=False, hint=gettext_lazy("Name or 6-digit code; instead of 地区.")
    ),
    Column(
        "district",
        "区县",
        "District",
        ("区", "县", "区/县"),
        in_template=False,
        hint=gettext_lazy("Name or 6-digit code; instead of 地区."),
    ),
    Column("address", "详细地址", "Address", ("地址",)),
    Column("website", "网址", "Website", ("官网", "网站", "url")),
    Column("notes", "备注", "Notes", ("客户备注", "customer notes")),
    Column(
        "owner",
        "负责人",
        "Owner",
        ("销售", "负责销售", "客户负责人", "owner username"),
        hint=gettext_lazy("Username. Empty: you. Leads and admins may name a user they can assign customers to."),
    ),
    Column(
        "contact_name",
        "联系人姓名",
        "Contact name",
        ("联系人", "姓名"),
        hint=gettext_lazy("Required on rows that have contact details."),
    ),
    Column("department", "部门", "Department", ("所属部门",)),
    Column("department_kind", "部门类型", "Department kind", ("部门类别", "department type")),
    Column("title", "职务", "Title", ("职位", "job title")),
    Column("mobile", "手机", "Mobile", ("手机号", "手机号码", "mobile phone", "cell phone")),
    Column("landline", "座机", "Landline", ("电话", "固定电话", "办公电话", "phone")),
    Column("email", "邮箱", "E-mail", ("电子邮箱", "邮件", "email address")),
    Column("wechat", "微信", "WeChat", ("微信号", "wechat id")),
    Column("buying_role", "购买角色", "Buying role", ("角色", "采购角色")),
    Column("has_left", "已离职", "Has left", ("离职", "是否离职"), hint=gettext_lazy("是 / 否; empty means 否.")),
    Column("contact_notes", "联系人备注", "Contact notes"),
)
CUSTOMER_KEYS = ("name", "credit_code", "industry", "level", "source", "address", "website", "notes")
REGION_KEYS = ("province", "city", "district")
# Column key -> key of the contact dict ``services.customer_create`` takes.
CONTACT_KEYS = {
    "contact_name": "name",
    "department": "department",
    "department_kind": "department_kind",
    "title": "title",
    "mobile": "mobile",
    "landline": "landline",
    "email": "email",
    "wechat": "wechat",
    "buying_role": "buying_role",
    "has_left": "has_left",
    "contact_notes": "notes",
}
CHOICE_COLUMNS = {
    "industry": Industry,
    "level": CustomerLevel,
    "source": CustomerSource,
    "department_kind": DepartmentKind,
    "buying_role": BuyingRole,
}

YES = {"是", "y", "yes", "true", "1", "已离职", "离职", "√", "✓", "✔"}
NO = {"否", "n", "no", "false", "0", "在职", "未离职", "×", "✗"}


class CustomerColumns(ColumnSet):
    def header_problems(self, headers: dict[str, str]) -> list[str]:
        contact_headers = [headers[key] for key in CONTACT_KEYS if key in headers and key != "contact_name"]
        if contact_headers and "contact_name" not in headers:
            return [
                _(
                    "The column “联系人姓名” (Contact name) is missing; it is needed when the file has contact "
                    "columns such as “%(header)s”."
                )
                % {"header": contact_headers[0]}
            ]
        return []


CUSTOMER_COLUMNS = CustomerColumns(COLUMNS, choices=CHOICE_COLUMNS)
COLUMNS_BY_KEY = CUSTOMER_COLUMNS.by_key
TEMPLATE_COLUMNS = CUSTOMER_COLUMNS.template

EXAMPLE_ROW = {
    "name": "杭州示例科技有限公司",
    "credit_code": "91330106MA2B3C4D5D",
    "industry": "信息传输、软件和信息技术服务业",
    "level": "重点",
    "source": "展会",
    "region": "浙江省-杭州市-西湖区",
    "address": "文三路 100 号 8 楼",
    "website": "https://www.example.com",
    "notes": "示例行：导入前请删除",
    "owner": "",
    "contact_name": "张三",
    "department": "采购部",
    "department_kind": "采购",
    "title": "采购经理",
    "mobile": "13912345678",
    "landline": "0571-88881234",
    "email": "zhangsan@example.com",
    "wechat": "zhangsan_2024",
    "buying_role": "决策者",
    "has_left": "否",
    "contact_notes": "",
}
